package dev.katajava.transport;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connected stream socket the JDK cannot open itself (AF_VSOCK) as a {@link ByteStream}. One reader and
 * one writer may work at once: each direction has its own native buffer and lock. Close shuts the socket
 * down first, because closing a descriptor does not wake a thread blocked reading it.
 */
public final class FdByteStream implements ByteStream {
    private static final int CHUNK = 64 * 1024;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment readBuffer = arena.allocate(CHUNK);
    private final MemorySegment writeBuffer = arena.allocate(CHUNK);
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    public FdByteStream(int fd) {
        this.fd = fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            if (closed.get()) {
                return -1;
            }
            int want = Math.min(dst.remaining(), CHUNK);
            int n = Fds.read(fd, readBuffer, want);
            if (n <= 0) {
                return -1;
            }
            dst.put(readBuffer.asSlice(0, n).asByteBuffer());
            return n;
        }
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            while (src.hasRemaining()) {
                if (closed.get()) {
                    throw new IOException("stream on fd " + fd + " is closed");
                }
                int n = Math.min(src.remaining(), CHUNK);
                MemorySegment.copy(MemorySegment.ofBuffer(src.slice(src.position(), n)), 0, writeBuffer, 0, n);
                Fds.writeFully(fd, writeBuffer, n);
                src.position(src.position() + n);
            }
        }
    }

    /** Tells the peer nothing more comes (SHUT_WR) while reads go on. */
    public void shutdownOutput() throws IOException {
        synchronized (writeLock) {
            if (!closed.get()) {
                UnixSockets.shutdown(fd, UnixSockets.SHUT_WR);
            }
        }
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
        // The buffers are freed once no read or write can be using them.
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
