package dev.katajava.virtcontainers.hostsockets;

import java.io.IOException;
import java.nio.ByteBuffer;

/** One side of a relayed connection: a stream socket that can be half-closed. */
interface Duplex extends AutoCloseable {
    /** Reads into {@code dst}; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}. */
    void write(ByteBuffer src) throws IOException;

    /** Tells the peer nothing more comes (shutdown SHUT_WR). */
    void shutdownOutput() throws IOException;

    /** Stops both directions, waking a thread blocked on it, and releases the socket. */
    @Override
    void close();
}
