package dev.katajava.ttrpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A hand-driven server end for client tests: the client under test on one side, raw frames on the other. */
final class FakePeer implements AutoCloseable {
    final TtrpcClient client;
    final SocketChannel raw;

    FakePeer(Path dir) throws IOException {
        Path socket = dir.resolve("peer.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            this.client = TtrpcClient.connect(socket);
            this.raw = listener.accept();
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        raw.close();
    }
}
