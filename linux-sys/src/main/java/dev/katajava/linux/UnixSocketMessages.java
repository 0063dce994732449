package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * sendmsg/recvmsg on AF_UNIX sockets carrying a payload plus up to {@link #MAX_FDS} descriptors as
 * SCM_RIGHTS ancillary data.
 */
public final class UnixSocketMessages {
    /** The most descriptors one message may carry (the vhost-user limit). */
    public static final int MAX_FDS = 8;

    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    private static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    private static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));
    private static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));
    private static final long CMSG_HEADER = CMSGHDR.byteSize();
    /** CMSG_SPACE for MAX_FDS ints: header plus data rounded up to 8 bytes. */
    private static final long CONTROL_CAPACITY = CMSG_HEADER + align8((long) MAX_FDS * Integer.BYTES);

    private static final VarHandle IOV_BASE = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final VarHandle IOV_LEN = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_len"));
    private static final VarHandle MSG_IOV = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_iov"));
    private static final VarHandle MSG_IOVLEN = MSGHDR.varHandle(
            MemoryLayout.PathElement.groupElement("msg_iovlen"));
    private static final VarHandle MSG_CONTROL = MSGHDR.varHandle(
            MemoryLayout.PathElement.groupElement("msg_control"));
    private static final VarHandle MSG_CONTROLLEN = MSGHDR.varHandle(
            MemoryLayout.PathElement.groupElement("msg_controllen"));
    private static final VarHandle MSG_FLAGS = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_flags"));
    private static final VarHandle CMSG_LEN = CMSGHDR.varHandle(MemoryLayout.PathElement.groupElement("cmsg_len"));
    private static final VarHandle CMSG_LEVEL = CMSGHDR.varHandle(
            MemoryLayout.PathElement.groupElement("cmsg_level"));
    private static final VarHandle CMSG_TYPE = CMSGHDR.varHandle(MemoryLayout.PathElement.groupElement("cmsg_type"));

    private static final Downcall SENDMSG = Downcall.errno("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall RECVMSG = Downcall.errno("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    /** What one recvmsg returned: the payload byte count (0 at end of stream) and descriptors received. */
    public record Received(int bytes, int[] fds) {
        public boolean endOfStream() {
            return bytes == 0 && fds.length == 0;
        }
    }

    private UnixSocketMessages() {
    }

    /**
     * Sends {@code len} bytes of {@code payload} with {@code fds} attached. The descriptors travel with the
     * first byte; a short write of the remainder is completed without them. Never raises SIGPIPE.
     */
    public static void send(int socket, MemorySegment payload, long len, int[] fds) throws ErrnoException {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " fds per message, got " + fds.length);
        }
        if (len <= 0 && fds.length > 0) {
            throw new IllegalArgumentException("descriptors need at least one payload byte to travel with");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment iov = arena.allocate(IOVEC);
            MemorySegment msg = arena.allocate(MSGHDR);
            MSG_IOV.set(msg, 0L, iov);
            MSG_IOVLEN.set(msg, 0L, 1L);
            if (fds.length > 0) {
                long dataLen = (long) fds.length * Integer.BYTES;
                MemorySegment control = arena.allocate(CMSG_HEADER + align8(dataLen), 8);
                CMSG_LEN.set(control, 0L, CMSG_HEADER + dataLen);
                CMSG_LEVEL.set(control, 0L, SOL_SOCKET);
                CMSG_TYPE.set(control, 0L, SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, JAVA_INT, CMSG_HEADER, fds.length);
                MSG_CONTROL.set(msg, 0L, control);
                MSG_CONTROLLEN.set(msg, 0L, control.byteSize());
            }
            long off = 0;
            while (off < len) {
                IOV_BASE.set(iov, 0L, payload.asSlice(off));
                IOV_LEN.set(iov, 0L, len - off);
                long n = SENDMSG.call(capture, socket, msg, MSG_NOSIGNAL);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                off += Libc.check(n, capture, "sendmsg", "fd " + socket);
                // Descriptors went with the first successful call.
                MSG_CONTROL.set(msg, 0L, MemorySegment.NULL);
                MSG_CONTROLLEN.set(msg, 0L, 0L);
            }
        }
    }

    /**
     * One recvmsg into the first {@code len} bytes of {@code buffer}; received descriptors are close-on-exec
     * and owned by the caller. Fails (closing what did arrive) if the kernel truncated the descriptor list.
     */
    public static Received receive(int socket, MemorySegment buffer, long len) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment iov = arena.allocate(IOVEC);
            IOV_BASE.set(iov, 0L, buffer);
            IOV_LEN.set(iov, 0L, len);
            MemorySegment control = arena.allocate(CONTROL_CAPACITY, 8);
            MemorySegment msg = arena.allocate(MSGHDR);
            MSG_IOV.set(msg, 0L, iov);
            MSG_IOVLEN.set(msg, 0L, 1L);
            MSG_CONTROL.set(msg, 0L, control);
            MSG_CONTROLLEN.set(msg, 0L, CONTROL_CAPACITY);
            long n;
            while (true) {
                n = RECVMSG.call(capture, socket, msg, MSG_CMSG_CLOEXEC);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                Libc.check(n, capture, "recvmsg", "fd " + socket);
                break;
            }
            int[] fds = descriptors(control, (long) MSG_CONTROLLEN.get(msg, 0L));
            if (((int) MSG_FLAGS.get(msg, 0L) & MSG_CTRUNC) != 0) {
                for (int fd : fds) {
                    UnixSockets.closeQuietly(fd);
                }
                throw new ErrnoException("recvmsg", Errno.EINVAL,
                        "fd " + socket + ": more than " + MAX_FDS + " descriptors sent; ancillary data truncated");
            }
            return new Received((int) n, fds);
        }
    }

    /** Walks the control buffer; only SCM_RIGHTS headers carry descriptors. */
    private static int[] descriptors(MemorySegment control, long controlLen) {
        int[] found = new int[0];
        long off = 0;
        while (off + CMSG_HEADER <= controlLen) {
            MemorySegment header = control.asSlice(off);
            long cmsgLen = (long) CMSG_LEN.get(header, 0L);
            if (cmsgLen < CMSG_HEADER || off + cmsgLen > controlLen) {
                break;
            }
            if ((int) CMSG_LEVEL.get(header, 0L) == SOL_SOCKET && (int) CMSG_TYPE.get(header, 0L) == SCM_RIGHTS) {
                int count = (int) ((cmsgLen - CMSG_HEADER) / Integer.BYTES);
                int[] more = new int[found.length + count];
                System.arraycopy(found, 0, more, 0, found.length);
                MemorySegment.copy(control, JAVA_INT, off + CMSG_HEADER, more, found.length, count);
                found = more;
            }
            off += CMSG_HEADER + align8(cmsgLen - CMSG_HEADER);
        }
        return found;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
