package dev.katajava.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copying a descriptor out of another process (pidfd_open + pidfd_getfd, Linux 5.6). The caller needs
 * ptrace access to the target, which the guest's root agent has over the processes it started; this spares
 * a Unix socket with SCM_RIGHTS for handing one descriptor from a child that is about to exec.
 */
public final class Pidfds {
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;

    private Pidfds() {
    }

    /** Returns a new descriptor (close-on-exec) for what {@code fd} is in process {@code pid}. */
    public static int copyFd(long pid, int fd) throws ErrnoException {
        int pidfd = (int) syscall(SYS_PIDFD_OPEN, pid, 0, 0, "pidfd_open", "pid " + pid);
        try {
            return (int) syscall(SYS_PIDFD_GETFD, pidfd, fd, 0, "pidfd_getfd", "fd " + fd + " of pid " + pid);
        } finally {
            Fds.close(pidfd);
        }
    }

    private static long syscall(long number, long a, long b, long c, String name, String detail)
            throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            long rc = Libc.syscall(capture, number, a, b, c);
            return Libc.check(rc, capture, name, detail);
        }
    }
}
