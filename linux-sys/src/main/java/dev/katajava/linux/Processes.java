package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** Process-level calls: signals, sessions, ids, prctl. */
public final class Processes {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final Downcall KILL = Downcall.errno("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall SETSID = Downcall.errno("setsid", FunctionDescriptor.of(JAVA_INT));
    private static final Downcall GETUID = Downcall.errno("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final Downcall GETGID = Downcall.errno("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final Downcall PRCTL = Downcall.errno("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));

    private Processes() {
    }

    public static void kill(long pid, int signal) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) KILL.call(capture, (int) pid, signal);
            Libc.check(rc, capture, "kill", "pid " + pid + " signal " + signal);
        }
    }

    /** Starts a new session (and process group) led by this process. */
    public static int setsid() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) SETSID.call(capture);
            return (int) Libc.check(rc, capture, "setsid", "");
        }
    }

    public static int uid() {
        try (Arena arena = Arena.ofConfined()) {
            // It cannot fail; errno is captured only because every function shares one call shape.
            return (int) GETUID.call(Libc.captureState(arena));
        }
    }

    public static int gid() {
        try (Arena arena = Arena.ofConfined()) {
            // It cannot fail; errno is captured only because every function shares one call shape.
            return (int) GETGID.call(Libc.captureState(arena));
        }
    }

    public static int prctl(int option, long a2, long a3, long a4, long a5) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) PRCTL.call(capture, option, a2, a3, a4, a5);
            return (int) Libc.check(rc, capture, "prctl", "option " + option);
        }
    }

    /** True when a process with this pid exists (kill with signal 0). */
    public static boolean alive(long pid) {
        try {
            kill(pid, 0);
            return true;
        } catch (ErrnoException e) {
            return e.errno() == Errno.EPERM;
        }
    }

}
