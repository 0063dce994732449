package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** mkfifo(3). */
public final class Fifos {
    private static final Downcall MKFIFO = Downcall.errno("mkfifo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private Fifos() {
    }

    public static void mkfifo(String path, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) MKFIFO.call(capture, arena.allocateFrom(path), mode);
            Libc.check(rc, capture, "mkfifo", path);
        }
    }
}
