package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** The wall clock ({@code CLOCK_REALTIME}); setting it leaves the monotonic clock, and so timers, alone. */
public final class RealtimeClock {
    private static final int CLOCK_REALTIME = 0;
    private static final Downcall CLOCK_SETTIME = Downcall.errno("clock_settime",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private RealtimeClock() {
    }

    /** Sets the wall clock to {@code seconds} and {@code nanos} since the epoch (needs CAP_SYS_TIME). */
    public static void set(long seconds, long nanos) throws ErrnoException {
        if (nanos < 0 || nanos >= 1_000_000_000L) {
            throw new IllegalArgumentException("nanoseconds must be 0 to 999999999, got " + nanos);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16);
            ts.set(JAVA_LONG, 0, seconds);
            ts.set(JAVA_LONG, 8, nanos);
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) CLOCK_SETTIME.call(capture, CLOCK_REALTIME, ts);
            Libc.check(rc, capture, "clock_settime(CLOCK_REALTIME)", seconds + "." + nanos);
        }
    }
}
