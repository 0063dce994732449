package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** poll(2) for readability of a few descriptors, or writability of one. */
public final class Poll {
    private static final short POLLIN = 0x1;
    private static final short POLLOUT = 0x4;
    private static final short POLLERR = 0x8;
    private static final short POLLHUP = 0x10;
    private static final short POLLNVAL = 0x20;
    /** struct pollfd: int fd, short events, short revents. */
    private static final long POLLFD_SIZE = 8;

    private static final Downcall POLL = Downcall.errno("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Poll() {
    }

    /**
     * Blocks until at least one of {@code fds} (at most 32) is readable, hung up or in error, or until
     * {@code timeoutMillis} passes (negative: no timeout). Returns a bit mask: bit i set when {@code fds[i]} is
     * ready; 0 on timeout. EINTR is retried.
     */
    public static int waitReadable(int[] fds, int timeoutMillis) throws ErrnoException {
        return await(fds, POLLIN, timeoutMillis);
    }

    /**
     * Blocks until {@code fd} can take a write (or is hung up or in error), or until {@code timeoutMillis}
     * passes (negative: no timeout); returns whether it is ready. EINTR is retried.
     */
    public static boolean waitWritable(int fd, int timeoutMillis) throws ErrnoException {
        return await(new int[] {fd}, POLLOUT, timeoutMillis) != 0;
    }

    private static int await(int[] fds, short events, int timeoutMillis) throws ErrnoException {
        if (fds.length == 0 || fds.length > 32) {
            throw new IllegalArgumentException("poll needs 1 to 32 descriptors, got " + fds.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment set = arena.allocate(POLLFD_SIZE * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                set.set(JAVA_INT, POLLFD_SIZE * i, fds[i]);
                set.set(JAVA_SHORT, POLLFD_SIZE * i + 4, events);
            }
            while (true) {
                int n = (int) POLL.call(capture, set, (long) fds.length, timeoutMillis);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                Libc.check(n, capture, "poll", fds.length + " fds");
                int ready = 0;
                for (int i = 0; i < fds.length; i++) {
                    short revents = set.get(JAVA_SHORT, POLLFD_SIZE * i + 6);
                    if ((revents & (events | POLLERR | POLLHUP | POLLNVAL)) != 0) {
                        ready |= 1 << i;
                    }
                }
                return ready;
            }
        }
    }
}
