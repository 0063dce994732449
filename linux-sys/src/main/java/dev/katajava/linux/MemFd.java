package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** Anonymous memory files (memfd_create) sized with ftruncate, shareable by passing the descriptor. */
public final class MemFd {
    private static final int MFD_CLOEXEC = 1;

    private static final Downcall MEMFD_CREATE = Downcall.errno("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall FTRUNCATE = Downcall.errno("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

    private MemFd() {
    }

    /** A close-on-exec memory file of {@code size} zero bytes. */
    public static int create(String name, long size) throws ErrnoException {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            fd = (int) MEMFD_CREATE.call(capture, arena.allocateFrom(name), MFD_CLOEXEC);
            Libc.check(fd, capture, "memfd_create", name);
            int rc = (int) FTRUNCATE.call(capture, fd, size);
            if (rc == -1) {
                ErrnoException failure = new ErrnoException("ftruncate", Libc.errno(capture), name + " to " + size);
                UnixSockets.closeQuietly(fd);
                throw failure;
            }
            return fd;
        }
    }
}
