package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.List;

/**
 * A C function called through one shared call shape, with errno captured right after the call.
 *
 * <p>The linker generates code for every new call shape (argument and return layouts), which costs 50-75 ms
 * a shape in an emulated guest: ten shapes were 0.55 s of the agent's cold start. So every function is linked
 * with one shape, six pointer-sized arguments and a 64-bit result, and {@link #call} checks the arguments
 * against the function's real signature: a pointer goes as its segment, an {@code int} or a {@code long} as
 * a zero-length segment whose address is that value (sign-extended). This is exact, not approximate, on the
 * two 64-bit Linux ABIs (x86-64 System V, AArch64 AAPCS64):
 * <ul>
 *   <li>the first six (eight on AArch64) integer and pointer arguments travel in 64-bit general registers,
 *       and a callee reads an {@code int} parameter from the low half only, whatever the upper half holds;
 *       we sign-extend, which is also what a C caller would do;</li>
 *   <li>registers the callee declares no parameter for are never read, so padding with zeros is harmless,
 *       and the caller cleans up (there is no stack to balance);</li>
 *   <li>an {@code int} result is the low half of the return register, whose upper half is unspecified: it
 *       is narrowed here before anyone looks at it;</li>
 *   <li>a variadic callee ({@code open}, {@code ioctl}, {@code syscall}) is called as its integer arguments
 *       require: on x86-64 the linker always sets {@code %al} to the number of vector registers used (none),
 *       on AArch64 Linux variadic arguments use the same registers as named ones.</li>
 * </ul>
 * Functions with more than six arguments, or with floating-point or struct arguments, cannot be declared.
 *
 * <p>A pointer argument stays a segment, so the linker keeps its arena open until the call returns (an arena
 * closed meanwhile by another thread fails to close instead of freeing memory the kernel is using). Heap
 * segments are refused.
 */
public final class Downcall {
    private static final int MAX_ARGUMENTS = 6;
    private static final FunctionDescriptor SHAPE = FunctionDescriptor.of(JAVA_LONG,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);

    private final SymbolLookup library;
    private final String name;
    private final List<MemoryLayout> arguments;
    /** The upper half of an int result is whatever the register held: only the low half is the value. */
    private final boolean intResult;
    private volatile MethodHandle handle;

    private Downcall(SymbolLookup library, String name, FunctionDescriptor signature) {
        List<MemoryLayout> arguments = signature.argumentLayouts();
        if (arguments.size() > MAX_ARGUMENTS) {
            throw new IllegalArgumentException(name + ": more than " + MAX_ARGUMENTS + " arguments");
        }
        for (MemoryLayout a : arguments) {
            requireIntegerOrPointer(name, a);
        }
        signature.returnLayout().ifPresent(r -> requireIntegerOrPointer(name, r));
        this.library = library;
        this.name = name;
        this.arguments = arguments;
        this.intResult = signature.returnLayout().filter(ValueLayout.OfInt.class::isInstance).isPresent();
    }

    /** A C library function with the given real signature. */
    public static Downcall errno(String name, FunctionDescriptor signature) {
        return new Downcall(null, name, signature);
    }

    /** A function of another library (looked up in {@code library} on the first call). */
    public static Downcall in(SymbolLookup library, String name, FunctionDescriptor signature) {
        return new Downcall(library, name, signature);
    }

    /**
     * Calls the function: {@code capture} receives errno (see {@link Libc#captureState}); each argument is
     * an {@code Integer} for a {@code JAVA_INT} parameter, a {@code Long} for {@code JAVA_LONG} and a native
     * {@code MemorySegment} for {@code ADDRESS}. Returns the result widened to a long (an {@code int} result
     * sign-extended, a pointer as its address).
     *
     * @throws IllegalArgumentException when the arguments do not match the signature
     */
    public long call(MemorySegment capture, Object... args) {
        if (args.length != arguments.size()) {
            throw new IllegalArgumentException(name + " takes " + arguments.size() + " arguments, not " + args.length);
        }
        MemorySegment[] a = new MemorySegment[MAX_ARGUMENTS];
        Arrays.fill(a, MemorySegment.NULL);
        for (int i = 0; i < args.length; i++) {
            a[i] = widen(arguments.get(i), args[i], i);
        }
        long result;
        try {
            result = (long) handle().invokeExact(capture, a[0], a[1], a[2], a[3], a[4], a[5]);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return intResult ? (int) result : result;
    }

    private MemorySegment widen(MemoryLayout layout, Object arg, int index) {
        if (layout instanceof AddressLayout) {
            if (arg instanceof MemorySegment s && s.isNative()) {
                return s;
            }
        } else if (layout instanceof ValueLayout.OfInt) {
            if (arg instanceof Integer i) {
                return MemorySegment.ofAddress(i);
            }
        } else if (arg instanceof Long l) {
            return MemorySegment.ofAddress(l);
        }
        throw new IllegalArgumentException(name + ": argument " + index + " must be "
                + (layout instanceof AddressLayout ? "a native segment"
                        : layout instanceof ValueLayout.OfInt ? "an int" : "a long")
                + ", not " + (arg == null ? "null" : arg.getClass().getSimpleName()));
    }

    private MethodHandle handle() {
        MethodHandle h = handle;
        if (h == null) {
            synchronized (this) {
                h = handle;
                if (h == null) {
                    h = Libc.link(library, name, SHAPE);
                    handle = h;
                }
            }
        }
        return h;
    }

    private static void requireIntegerOrPointer(String name, MemoryLayout layout) {
        if (!(layout instanceof AddressLayout) && !(layout instanceof ValueLayout.OfInt)
                && !(layout instanceof ValueLayout.OfLong)) {
            throw new IllegalArgumentException(name + ": only int, long and pointer values can be passed, not "
                    + layout);
        }
    }
}
