package dev.katajava.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/** A bidirectional blocking byte stream; read and write may be called concurrently from different threads. */
public interface ByteStream extends Closeable {
    /** Reads some bytes, blocking until at least one is available; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}, blocking as long as that takes. */
    void write(ByteBuffer src) throws IOException;

    /**
     * A blocking-mode socket channel (unix or tcp). The channel itself is used, not its stream adapters:
     * those share one lock between reading and writing, so a blocked read would stall every write.
     */
    static ByteStream of(SocketChannel channel) {
        Objects.requireNonNull(channel, "channel");
        if (!channel.isBlocking()) {
            throw new IllegalArgumentException("socket channel must be in blocking mode: " + channel);
        }
        return new ChannelByteStream(channel, channel, channel);
    }

    /**
     * Separate blocking read and write channels, e.g. a character device opened once for each direction;
     * {@code onClose} releases whatever backs them.
     */
    static ByteStream of(ReadableByteChannel in, WritableByteChannel out, Closeable onClose) {
        return new ChannelByteStream(Objects.requireNonNull(in, "in"), Objects.requireNonNull(out, "out"),
                Objects.requireNonNull(onClose, "onClose"));
    }
}
