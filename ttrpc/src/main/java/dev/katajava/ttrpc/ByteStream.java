package dev.katajava.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/** A bidirectional blocking byte stream; a read may block while another thread writes. */
public interface ByteStream extends Closeable {
    /** Reads some bytes, blocking until at least one is available; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}. */
    void write(ByteBuffer src) throws IOException;

    /** A blocking socket channel: SocketChannel allows a concurrent read and write, unlike its stream adapters. */
    static ByteStream of(SocketChannel channel) {
        return of(channel, channel, channel);
    }

    /** Separate read and write channels, e.g. a character device opened once for each direction. */
    static ByteStream of(ReadableByteChannel in, WritableByteChannel out, Closeable onClose) {
        return new ByteStream() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return in.read(dst);
            }

            @Override
            public void write(ByteBuffer src) throws IOException {
                while (src.hasRemaining()) {
                    out.write(src);
                }
            }

            @Override
            public void close() throws IOException {
                onClose.close();
            }
        };
    }
}
