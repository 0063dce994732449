package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** Raw file descriptors: open, close, duplicate, read, write, ioctl(FIONREAD). */
public final class Fds {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_NOCTTY = 0400;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    private static final long FIONREAD = 0x541BL;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private static final Downcall OPEN = Downcall.errno("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final Downcall CLOSE = Downcall.errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final Downcall FCNTL_INT = Downcall.errno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall DUP3 = Downcall.errno("dup3",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall READ = Downcall.errno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall WRITE = Downcall.errno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall IOCTL_PTR = Downcall.errno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private Fds() {
    }

    public static int open(String path, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int fd = (int) OPEN.call(capture, arena.allocateFrom(path), flags, mode);
            return (int) Libc.check(fd, capture, "open", path);
        }
    }

    public static void close(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) CLOSE.call(capture, fd);
            Libc.check(rc, capture, "close", "fd " + fd);
        }
    }

    /** A new descriptor (close-on-exec, the lowest free from 3) for what {@code fd} refers to. */
    public static int duplicate(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int copy = (int) FCNTL_INT.call(capture, fd, F_DUPFD_CLOEXEC, 3);
            return (int) Libc.check(copy, capture, "fcntl(F_DUPFD_CLOEXEC)", "fd " + fd);
        }
    }

    /** Makes {@code target} refer to what {@code fd} refers to (closing what it was), inherited across exec. */
    public static void replace(int target, int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) DUP3.call(capture, fd, target, 0);
            Libc.check(rc, capture, "dup3", "fd " + fd + " onto " + target);
        }
    }

    /** read(2) into {@code buf}; returns the count, 0 at end of file. Retries EINTR. */
    public static int read(int fd, MemorySegment buf, long len) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            while (true) {
                long n = READ.call(capture, fd, buf, len);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                return (int) Libc.check(n, capture, "read", "fd " + fd);
            }
        }
    }

    /** write(2) of all {@code len} bytes. Retries EINTR and short writes. */
    public static void writeFully(int fd, MemorySegment buf, long len) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            long off = 0;
            while (off < len) {
                long n = WRITE.call(capture, fd, buf.asSlice(off), len - off);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                off += Libc.check(n, capture, "write", "fd " + fd);
            }
        }
    }

    /** Bytes waiting unread in a pipe, FIFO or socket. */
    public static int bytesQueued(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = (int) IOCTL_PTR.call(capture, fd, FIONREAD, count);
            Libc.check(rc, capture, "ioctl(FIONREAD)", "fd " + fd);
            return count.get(JAVA_INT, 0);
        }
    }
}
