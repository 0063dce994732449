package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The master side of a pseudo-terminal another process opened (a container's process opens its pty from
 * the container's own devpts). The master stays a raw descriptor: reopening it would allocate a new pty.
 */
public final class Pty {
    private static final long TIOCSWINSZ = 0x5414L;
    private static final Downcall IOCTL = Downcall.errno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private final int master;
    private final String name;

    private Pty(int master, String name) {
        this.master = master;
        this.name = name;
    }

    /** Wraps a master descriptor another process opened; {@code name} says which terminal, for messages. */
    public static Pty ofMaster(int master, String name) {
        return new Pty(master, name);
    }

    public int master() {
        return master;
    }

    public String name() {
        return name;
    }

    /** Sets the terminal size the process sees (and signals it SIGWINCH). */
    public void resize(int rows, int columns) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(8);
            winsize.set(JAVA_SHORT, 0, (short) rows);
            winsize.set(JAVA_SHORT, 2, (short) columns);
            ioctl(master, TIOCSWINSZ, winsize, "TIOCSWINSZ");
        }
    }

    public void close() throws ErrnoException {
        Fds.close(master);
    }

    private static void ioctl(int fd, long request, MemorySegment arg, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) IOCTL.call(capture, fd, request, arg);
            Libc.check(rc, capture, "ioctl(" + name + ")", "fd " + fd);
        }
    }
}
