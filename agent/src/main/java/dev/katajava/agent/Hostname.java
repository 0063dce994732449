package dev.katajava.agent;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.katajava.linux.Downcall;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** sethostname(2) for the guest itself. */
final class Hostname {
    private static final Downcall SETHOSTNAME = Downcall.errno("sethostname",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private Hostname() {
    }

    static void set(String name) throws ErrnoException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment buf = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes);
            long rc = SETHOSTNAME.call(capture, buf, (long) bytes.length);
            Libc.check(rc, capture, "sethostname", name);
        }
    }
}
