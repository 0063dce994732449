package dev.katajava.agent.stdio;

import dev.katajava.linux.Downcall;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Libc;
import dev.katajava.logging.Log;
import dev.katajava.transport.stdio.StreamCopy;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies one descriptor into another until end of input with the loop in C ({@code libkata-fdcopy.so},
 * from {@code src/main/c/fdcopy.c}): the guest's JVM interprets, and a Java loop would pay two foreign calls
 * per chunk, where this pays one per stream. Where the library is missing (the agent run outside its
 * image), the same copy runs as a Java loop, and a warning says so once.
 */
final class FdCopy {
    static final Path LIBRARY = Path.of(System.getProperty("kata.fdcopy.path",
            "/opt/kata-agent/native/libkata-fdcopy.so"));
    private static final int BUFFER = 256 * 1024;
    private static final Log LOG = Log.of("stdio");
    /** Null when the library is not there. */
    private static final Downcall COPY = link();

    private FdCopy() {
    }

    /** Whether the C loop is in use. */
    static boolean nativeLoop() {
        return COPY != null;
    }

    /**
     * Moves everything from {@code in} to {@code out}; returns the byte count at end of input.
     *
     * @throws ErrnoException naming the read or the write that failed
     */
    static long copy(int in, int out) throws ErrnoException {
        if (COPY == null) {
            return StreamCopy.readWrite(in, out);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BUFFER);
            MemorySegment status = arena.allocate(ValueLayout.JAVA_INT, 2);
            long total = COPY.call(Libc.captureState(arena), in, out, buf, (long) BUFFER, status);
            int errno = status.getAtIndex(ValueLayout.JAVA_INT, 0);
            if (errno != 0) {
                boolean write = status.getAtIndex(ValueLayout.JAVA_INT, 1) != 0;
                throw new ErrnoException(write ? "write" : "read", errno,
                        "fd " + (write ? out : in) + " after " + total + " bytes");
            }
            return total;
        }
    }

    private static Downcall link() {
        if (!Files.isReadable(LIBRARY)) {
            LOG.warn("no native copy loop; stdio streams copy in Java", "library", LIBRARY.toString());
            return null;
        }
        return Downcall.in(library(), "kata_fd_copy", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
    }

    @SuppressWarnings("restricted") // our own library, whose one function's signature is declared above
    private static SymbolLookup library() {
        return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
    }
}
