package dev.katajava.virtcontainers.hostsockets;

import dev.katajava.transport.FdByteStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A vsock connection (a raw descriptor the JDK cannot open) as one side of a relay. Its native calls block
 * and pin their thread, so it is served by platform threads.
 */
final class FdDuplex implements Duplex {
    private final FdByteStream stream;

    FdDuplex(int fd) {
        this.stream = new FdByteStream(fd);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return stream.read(dst);
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        stream.write(src);
    }

    @Override
    public void shutdownOutput() throws IOException {
        stream.shutdownOutput();
    }

    @Override
    public void close() {
        stream.close();
    }
}
