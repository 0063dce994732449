package dev.katajava.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * A C library function linked on its first call rather than when its class loads. Linking generates code
 * for each new call shape, which costs seconds in an emulated guest: a class that links all its functions
 * up front makes every process that uses one of them pay for all of them (the guest agent, at start, needs
 * a handful out of dozens).
 */
public final class Downcall {
    private final String name;
    private final FunctionDescriptor descriptor;
    private final boolean captureErrno;
    private volatile MethodHandle handle;

    private Downcall(String name, FunctionDescriptor descriptor, boolean captureErrno) {
        this.name = name;
        this.descriptor = descriptor;
        this.captureErrno = captureErrno;
    }

    /** A function whose handle takes a capture segment first (see {@link Libc#errnoHandle}). */
    public static Downcall errno(String name, FunctionDescriptor descriptor) {
        return new Downcall(name, descriptor, true);
    }

    /** A function that cannot fail (see {@link Libc#handle}). */
    public static Downcall plain(String name, FunctionDescriptor descriptor) {
        return new Downcall(name, descriptor, false);
    }

    /** The linked handle; linked once, by whichever caller comes first. */
    public MethodHandle handle() {
        MethodHandle h = handle;
        if (h == null) {
            synchronized (this) {
                h = handle;
                if (h == null) {
                    h = captureErrno ? Libc.errnoHandle(name, descriptor) : Libc.handle(name, descriptor);
                    handle = h;
                }
            }
        }
        return h;
    }
}
