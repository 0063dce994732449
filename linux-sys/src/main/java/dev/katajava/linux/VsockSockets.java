package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** AF_VSOCK stream sockets as raw descriptors: socket, bind, listen, accept, connect. */
public final class VsockSockets {
    public static final int AF_VSOCK = 40;
    /** Listen on every CID this machine has. */
    public static final int VMADDR_CID_ANY = 0xFFFFFFFF;
    public static final int VMADDR_CID_HOST = 2;
    public static final int VMADDR_PORT_ANY = 0xFFFFFFFF;

    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;

    /** struct sockaddr_vm: family, reserved, port, cid, then padding to 16 bytes. */
    private static final StructLayout SOCKADDR_VM = MemoryLayout.structLayout(
            JAVA_SHORT.withName("svm_family"),
            JAVA_SHORT.withName("svm_reserved1"),
            JAVA_INT.withName("svm_port"),
            JAVA_INT.withName("svm_cid"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("svm_zero"));

    private static final Downcall SOCKET = Downcall.errno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall BIND = Downcall.errno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall LISTEN = Downcall.errno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall CONNECT = Downcall.errno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private static final Downcall SETSOCKOPT = Downcall.errno("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** SO_VM_SOCKETS_CONNECT_TIMEOUT on 64-bit: a struct timeval at level AF_VSOCK. */
    private static final int SO_VM_SOCKETS_CONNECT_TIMEOUT = 6;
    private static final Downcall GETSOCKNAME = Downcall.errno("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private VsockSockets() {
    }

    /** A close-on-exec AF_VSOCK stream socket; fails with EAFNOSUPPORT where the kernel has no vsock. */
    public static int socket() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int fd = (int) SOCKET.call(capture, AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
            return (int) Libc.check(fd, capture, "socket", "AF_VSOCK");
        }
    }

    /** A socket bound to {@code cid:port} and listening. */
    public static int listen(int cid, int port, int backlog) throws ErrnoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            String where = describe(cid, port);
            int rc = (int) BIND.call(capture, fd, address(arena, cid, port), (int) SOCKADDR_VM.byteSize());
            Libc.check(rc, capture, "bind", where);
            rc = (int) LISTEN.call(capture, fd, backlog);
            Libc.check(rc, capture, "listen", where);
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            UnixSockets.closeQuietly(fd);
            throw e;
        }
    }

    /** Blocks until a peer connects; the new descriptor is close-on-exec. accept4 does not depend on the family. */
    public static int accept(int listenFd) throws ErrnoException {
        return UnixSockets.accept(listenFd);
    }

    /** A socket connected to {@code cid:port}. */
    public static int connect(int cid, int port) throws ErrnoException {
        return connect(cid, port, 0);
    }

    /**
     * A socket connected to {@code cid:port}, waiting up to {@code timeoutMillis} for the peer to answer (0: the
     * kernel's default of 2 s, short for a peer on a loaded host).
     */
    public static int connect(int cid, int port, long timeoutMillis) throws ErrnoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            if (timeoutMillis > 0) {
                MemorySegment tv = arena.allocate(16, 8);
                tv.set(JAVA_LONG, 0, timeoutMillis / 1000);
                tv.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1000);
                int set = (int) SETSOCKOPT.call(capture, fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
                        tv, 16);
                Libc.check(set, capture, "setsockopt(SO_VM_SOCKETS_CONNECT_TIMEOUT)", describe(cid, port));
            }
            int rc = (int) CONNECT.call(capture, fd, address(arena, cid, port), (int) SOCKADDR_VM.byteSize());
            Libc.check(rc, capture, "connect", describe(cid, port));
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            UnixSockets.closeQuietly(fd);
            throw e;
        }
    }

    /** The port a socket is bound to (the one the kernel picked for {@link #VMADDR_PORT_ANY}). */
    public static int localPort(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment addr = arena.allocate(SOCKADDR_VM);
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) SOCKADDR_VM.byteSize());
            int rc = (int) GETSOCKNAME.call(capture, fd, addr, len);
            Libc.check(rc, capture, "getsockname", "fd " + fd);
            return addr.get(JAVA_INT, 4);
        }
    }

    private static MemorySegment address(Arena arena, int cid, int port) {
        MemorySegment addr = arena.allocate(SOCKADDR_VM);
        addr.set(JAVA_SHORT, 0, (short) AF_VSOCK);
        addr.set(JAVA_INT, 4, port);
        addr.set(JAVA_INT, 8, cid);
        return addr;
    }

    private static String describe(int cid, int port) {
        return "vsock " + Integer.toUnsignedString(cid) + ":" + Integer.toUnsignedString(port);
    }
}
