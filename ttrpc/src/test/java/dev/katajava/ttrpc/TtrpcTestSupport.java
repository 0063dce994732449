package dev.katajava.ttrpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A server listening on a unix socket in a temp dir, and raw frame I/O for protocol-level tests. */
final class TtrpcTestSupport implements AutoCloseable {
    final TtrpcServer server;
    final Path socket;

    TtrpcTestSupport(ServiceRegistry registry, Path dir) throws IOException {
        this.server = new TtrpcServer(registry);
        this.socket = dir.resolve("ttrpc.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                server.listen(listener, true);
            } catch (IOException ignored) {
                // Closed by the test.
            }
        });
    }

    SocketChannel raw() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    static void writeFrame(SocketChannel ch, long length, int streamId, byte type, byte[] body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);
        header.putInt((int) length).putInt(streamId).put(type).put((byte) 0).flip();
        while (header.hasRemaining()) {
            ch.write(header);
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    record RawFrame(int streamId, byte type, byte[] body) {
    }

    static RawFrame readFrame(SocketChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);
        fill(ch, header);
        header.flip();
        int len = header.getInt();
        int id = header.getInt();
        byte type = header.get();
        ByteBuffer body = ByteBuffer.allocate(len);
        fill(ch, body);
        return new RawFrame(id, type, body.array());
    }

    private static void fill(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("closed");
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
