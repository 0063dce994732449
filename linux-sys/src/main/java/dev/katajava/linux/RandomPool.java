package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The kernel's random pool. A VM cloned from a template starts with the template's pool; bytes from the
 * host are mixed in and the kernel's generator is reseeded from the pool at once, so clones stop producing
 * the same numbers.
 */
public final class RandomPool {
    /** {@code _IO('R', 0x07)}: reseed the CRNG from the input pool now. */
    private static final long RNDRESEEDCRNG = 0x5207L;
    private static final Downcall IOCTL = Downcall.errno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private RandomPool() {
    }

    /** Mixes {@code seed} into the pool behind {@code device} (/dev/random) and reseeds the generator. */
    public static void reseed(String device, byte[] seed) throws ErrnoException {
        int fd = Fds.open(device, Fds.O_WRONLY | Fds.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, seed.length));
            MemorySegment.copy(seed, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, seed.length);
            Fds.writeFully(fd, buf, seed.length);
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) IOCTL.call(capture, fd, RNDRESEEDCRNG, MemorySegment.NULL);
            Libc.check(rc, capture, "ioctl(RNDRESEEDCRNG)", device);
        } finally {
            Fds.close(fd);
        }
    }
}
