package dev.katajava.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls into the C library with errno captured right after the call.
 *
 * <p>errno cannot be read with a second downcall (the JVM may run code in between that changes it), so
 * every handle is linked with {@code captureCallState("errno")} and takes a capture segment as its first
 * argument. {@link #check} turns a -1 return into an {@link ErrnoException} naming the call.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final java.lang.foreign.StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Downcall STRERROR = Downcall.errno("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    /** syscall(2) with up to three arguments, each of which it reads as a long. */
    private static final Downcall SYSCALL3 = Downcall.errno("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

    private Libc() {
    }

    /**
     * Links {@code name} of {@code library} (null: the C library) with {@code shape}, the returned handle taking
     * a capture segment as its first argument.
     */
    @SuppressWarnings("restricted") // linking native functions is this class's purpose
    static MethodHandle link(SymbolLookup library, String name, FunctionDescriptor shape) {
        SymbolLookup lookup = library != null ? library : LINKER.defaultLookup();
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                (library != null ? "the library" : "libc") + " has no " + name));
        return LINKER.downcallHandle(symbol, shape, CAPTURE);
    }

    /** A system call the C library has no wrapper for (unused arguments 0); -1 with errno on failure. */
    static long syscall(MemorySegment capture, long number, long a, long b, long c) {
        return SYSCALL3.call(capture, number, a, b, c);
    }

    /** A capture segment for one call. */
    public static MemorySegment captureState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** Returns {@code result}, or throws naming {@code call} when it is -1. */
    public static long check(long result, MemorySegment capture, String call, String detail) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, errno(capture), detail);
        }
        return result;
    }

    @SuppressWarnings("restricted") // strerror returns a NUL-terminated string of unknown length
    public static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            long text = STRERROR.call(captureState(arena), errno);
            return MemorySegment.ofAddress(text).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (RuntimeException e) {
            return "errno " + errno;
        }
    }

    /** What to throw for what a downcall handle's {@code invokeExact} threw; the C functions themselves do not throw. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
