package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * AF_UNIX stream sockets as raw descriptors, for protocols that pass descriptors with
 * {@link UnixSocketMessages} (the JDK's channels do not expose their descriptor).
 */
public final class UnixSockets {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    /** sizeof(struct sockaddr_un): sa_family_t then a 108-byte path. */
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_MAX = 108;

    private static final Downcall SOCKET = Downcall.errno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall SOCKETPAIR = Downcall.errno("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final Downcall BIND = Downcall.errno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall LISTEN = Downcall.errno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall ACCEPT4 = Downcall.errno("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final Downcall CONNECT = Downcall.errno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall SHUTDOWN = Downcall.errno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private UnixSockets() {
    }

    /** Two connected stream sockets, both close-on-exec. */
    public static int[] pair() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.call(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            Libc.check(rc, capture, "socketpair", "AF_UNIX");
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** A socket bound to {@code path} and listening; the caller removes any stale file first. */
    public static int listen(Path path, int backlog) throws ErrnoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) BIND.call(capture, fd, address(arena, path), SOCKADDR_UN_SIZE);
            Libc.check(rc, capture, "bind", path.toString());
            rc = (int) LISTEN.call(capture, fd, backlog);
            Libc.check(rc, capture, "listen", path.toString());
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** Blocks until a peer connects; the new descriptor is close-on-exec. */
    public static int accept(int listenFd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            while (true) {
                int fd = (int) ACCEPT4.call(capture, listenFd, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_CLOEXEC);
                if (fd == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                return (int) Libc.check(fd, capture, "accept4", "fd " + listenFd);
            }
        }
    }

    /** A socket connected to the listener at {@code path}. */
    public static int connect(Path path) throws ErrnoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) CONNECT.call(capture, fd, address(arena, path), SOCKADDR_UN_SIZE);
            Libc.check(rc, capture, "connect", path.toString());
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /**
     * shutdown(2). Unlike close, it wakes a thread blocked in recvmsg or accept on the same socket,
     * which is how a blocked reader is stopped.
     */
    public static void shutdown(int fd, int how) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) SHUTDOWN.call(capture, fd, how);
            Libc.check(rc, capture, "shutdown", "fd " + fd);
        }
    }

    static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // Cleanup after an earlier failure; that failure is the one reported.
        }
    }

    private static int socket() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int fd = (int) SOCKET.call(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            return (int) Libc.check(fd, capture, "socket", "AF_UNIX");
        }
    }

    private static MemorySegment address(Arena arena, Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("unix socket path longer than " + (SUN_PATH_MAX - 1)
                    + " bytes: " + path);
        }
        MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        // The arena zero-fills, so the path stays NUL-terminated.
        MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, 2, bytes.length);
        return addr;
    }
}
