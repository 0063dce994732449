package dev.katajava.shim.io;

import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * containerd's log FIFO in a bundle. Opening a FIFO for writing waits until something reads it, and the
 * containerd that made it may be gone (killed or restarting) and never open it again: a plain open would
 * hang the shim for good. So the FIFO is opened without waiting, and written without waiting: while nobody
 * reads, log lines are dropped rather than holding up the shim.
 */
public final class LogFifo extends OutputStream {
    private final int fd;

    private LogFifo(int fd) {
        this.fd = fd;
    }

    /** A stream to {@code log}, or null when it does not exist or nobody reads it now. */
    public static OutputStream open(Path log) {
        int fd = openDescriptor(log);
        return fd < 0 ? null : new LogFifo(fd);
    }

    /**
     * A close-on-exec, non-blocking descriptor open for appending to {@code log}, or -1 when it does not exist
     * or nobody reads it now.
     */
    public static int openDescriptor(Path log) {
        if (!Files.exists(log)) {
            return -1;
        }
        try {
            return Fds.open(log.toString(), Fds.O_WRONLY | Fds.O_APPEND | Fds.O_NONBLOCK | Fds.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            // ENXIO: a FIFO without a reader.
            return -1;
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            Fds.writeFully(fd, buf, len);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EAGAIN && e.errno() != Errno.EPIPE) {
                throw e;
            }
            // Nobody reads (EPIPE) or the reader is behind (EAGAIN): the rest of this line is dropped.
        }
    }

    @Override
    public synchronized void close() {
        try {
            Fds.close(fd);
        } catch (ErrnoException e) {
            // Already closed.
        }
    }
}
