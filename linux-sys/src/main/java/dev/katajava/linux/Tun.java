package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** Tap devices from {@code /dev/net/tun}. A tap lives in the network namespace of the thread that creates it. */
public final class Tun {
    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    private static final long TUNSETIFF = 0x400454caL;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;

    private static final Downcall IOCTL = Downcall.errno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private Tun() {
    }

    /**
     * Creates (or attaches to) tap {@code name} with {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR} and returns its
     * queue's descriptor (close-on-exec). The tap goes away when the last descriptor of a non-persistent tap
     * is closed.
     */
    public static int openTap(String name) throws ErrnoException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || n.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("tap name must be 1 to 15 bytes: \"" + name + "\"");
        }
        int fd = Fds.open("/dev/net/tun", Fds.O_RDWR | Fds.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(n, 0, ifr, JAVA_BYTE, 0, n.length);
            ifr.set(JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
            int rc = (int) IOCTL.call(capture, fd, TUNSETIFF, ifr);
            if (rc == -1) {
                int errno = Libc.errno(capture);
                Fds.close(fd);
                throw new ErrnoException("ioctl(TUNSETIFF)", errno, name);
            }
            return fd;
        }
    }
}
