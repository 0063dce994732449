package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * eventfd counters: a write adds to the counter, a read returns it and resets it to zero, blocking while it
 * is zero (unless the descriptor is non-blocking).
 */
public final class EventFd {
    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    private static final Downcall EVENTFD = Downcall.errno("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private EventFd() {
    }

    public static int create(int initialValue, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int fd = (int) EVENTFD.call(capture, initialValue, flags);
            return (int) Libc.check(fd, capture, "eventfd", "");
        }
    }

    /** Returns the counter and resets it; blocks while it is zero on a blocking descriptor. */
    public static long read(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            int n = Fds.read(fd, value, Long.BYTES);
            if (n != Long.BYTES) {
                throw new ErrnoException("read", Errno.EIO, "eventfd " + fd + " returned " + n + " bytes, not 8");
            }
            return value.get(JAVA_LONG, 0);
        }
    }

    /** Adds {@code increment} to the counter, waking any reader. */
    public static void write(int fd, long increment) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            value.set(JAVA_LONG, 0, increment);
            Fds.writeFully(fd, value, Long.BYTES);
        }
    }
}
