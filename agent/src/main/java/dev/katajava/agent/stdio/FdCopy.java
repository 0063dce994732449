package dev.katajava.agent.stdio;

import dev.katajava.linux.ErrnoException;
import dev.katajava.logging.Log;
import dev.katajava.transport.stdio.StreamCopy;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
    private static final MethodHandle COPY = link();

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
            long total = (long) COPY.invokeExact(in, out, buf, (long) BUFFER, status);
            int errno = status.getAtIndex(ValueLayout.JAVA_INT, 0);
            if (errno != 0) {
                boolean write = status.getAtIndex(ValueLayout.JAVA_INT, 1) != 0;
                throw new ErrnoException(write ? "write" : "read", errno,
                        "fd " + (write ? out : in) + " after " + total + " bytes");
            }
            return total;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @SuppressWarnings("restricted") // loading our own library, whose one function's signature is fixed above
    private static MethodHandle link() {
        if (!Files.isReadable(LIBRARY)) {
            LOG.warn("no native copy loop; stdio streams copy in Java", "library", LIBRARY.toString());
            return null;
        }
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = SymbolLookup.libraryLookup(LIBRARY, Arena.global()).find("kata_fd_copy")
                .orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " has no kata_fd_copy"));
        return linker.downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    }
}
