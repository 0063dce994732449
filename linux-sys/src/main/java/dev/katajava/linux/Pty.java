package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A pseudo-terminal pair. The master stays a raw descriptor (reopening it through /proc would allocate a
 * new pty); the slave is reached by its path, so a child process can be given it as stdio.
 */
public final class Pty {
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final long TIOCSWINSZ = 0x5414L;
    private static final MethodHandle IOCTL = Libc.errnoHandle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private final int master;
    private final String slavePath;

    private Pty(int master, String slavePath) {
        this.master = master;
        this.slavePath = slavePath;
    }

    /** Opens a new pty from /dev/ptmx and unlocks its slave. */
    public static Pty open() throws ErrnoException {
        int fd = Fds.open("/dev/ptmx", Fds.O_RDWR | Fds.O_NOCTTY | Fds.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, 0);
            ioctl(fd, TIOCSPTLCK, value, "TIOCSPTLCK");
            ioctl(fd, TIOCGPTN, value, "TIOCGPTN");
            return new Pty(fd, "/dev/pts/" + value.get(JAVA_INT, 0));
        } catch (ErrnoException e) {
            Fds.close(fd);
            throw e;
        }
    }

    /** Wraps a master descriptor another process opened; {@code name} says which terminal, for messages. */
    public static Pty ofMaster(int master, String name) {
        return new Pty(master, name);
    }

    public int master() {
        return master;
    }

    public String slavePath() {
        return slavePath;
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
            int rc = (int) IOCTL.invokeExact(capture, fd, request, arg);
            Libc.check(rc, capture, "ioctl(" + name + ")", "fd " + fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
