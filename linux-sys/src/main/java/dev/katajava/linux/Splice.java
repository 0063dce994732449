package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * splice(2): moves bytes between two descriptors inside the kernel, one of which must be a pipe, so a
 * relay never copies them through its own memory.
 */
public final class Splice {
    /** Move pages rather than copy them where the kernel can. */
    public static final int SPLICE_F_MOVE = 1;
    /** Do not wait on the pipe (or, for sockets, on input): fail with EAGAIN instead. */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data follows: lets a socket coalesce. */
    public static final int SPLICE_F_MORE = 4;

    private static final Downcall SPLICE = Downcall.errno("splice",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Splice() {
    }

    /**
     * Moves up to {@code len} bytes from {@code in} to {@code out} at their current positions; returns how
     * many, 0 at end of input. Retries EINTR.
     *
     * @throws ErrnoException EINVAL when neither side can splice (no pipe, or a socket family without it)
     */
    public static long splice(int in, int out, long len, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            while (true) {
                long n = SPLICE.call(capture, in, MemorySegment.NULL, out,
                        MemorySegment.NULL, len, flags);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                return Libc.check(n, capture, "splice", "fd " + in + " to fd " + out);
            }
        }
    }
}
