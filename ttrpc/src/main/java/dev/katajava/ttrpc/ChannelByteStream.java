package dev.katajava.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** A {@link ByteStream} over NIO channels; can write several buffers with one gathering write. */
final class ChannelByteStream implements ByteStream {
    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final Closeable onClose;

    ChannelByteStream(ReadableByteChannel in, WritableByteChannel out, Closeable onClose) {
        this.in = in;
        this.out = out;
        this.onClose = onClose;
    }

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

    /** Writes all of {@code srcs} in order, in one system call when the channel allows it. */
    void write(ByteBuffer... srcs) throws IOException {
        if (out instanceof GatheringByteChannel gathering) {
            while (anyRemaining(srcs)) {
                gathering.write(srcs);
            }
            return;
        }
        for (ByteBuffer src : srcs) {
            write(src);
        }
    }

    private static boolean anyRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer src : srcs) {
            if (src.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        onClose.close();
    }
}
