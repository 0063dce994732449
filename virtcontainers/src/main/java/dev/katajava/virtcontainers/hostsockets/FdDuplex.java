package dev.katajava.virtcontainers.hostsockets;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stream socket the JDK cannot open (AF_VSOCK) as a raw descriptor. Blocking native calls pin their
 * thread, so it is served by platform threads. One reader and one writer at a time.
 */
final class FdDuplex implements Duplex {
    private static final int CHUNK = 64 * 1024;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment in = arena.allocate(CHUNK);
    private final MemorySegment out = arena.allocate(CHUNK);
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    FdDuplex(int fd) {
        this.fd = fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            if (closed.get()) {
                return -1;
            }
            int n = Fds.read(fd, in, Math.min(dst.remaining(), CHUNK));
            if (n == 0) {
                return -1;
            }
            dst.put(in.asSlice(0, n).asByteBuffer());
            return n;
        }
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            while (src.hasRemaining()) {
                if (closed.get()) {
                    throw new IOException("socket closed");
                }
                int n = Math.min(src.remaining(), CHUNK);
                MemorySegment.copy(MemorySegment.ofBuffer(src.slice(src.position(), n)), 0, out, 0, n);
                Fds.writeFully(fd, out, n);
                src.position(src.position() + n);
            }
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        UnixSockets.shutdown(fd, UnixSockets.SHUT_WR);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            UnixSockets.shutdown(fd, UnixSockets.SHUT_RDWR);
        } catch (ErrnoException ignored) {
            // Already disconnected.
        }
        // Freed once no read or write can still be using the buffers.
        synchronized (readLock) {
            synchronized (writeLock) {
                try {
                    Fds.close(fd);
                } catch (ErrnoException ignored) {
                    // Nothing left to release.
                }
                arena.close();
            }
        }
    }
}
