package dev.katajava.linux.netlink;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.katajava.linux.Downcall;
import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.Libc;
import dev.katajava.linux.Poll;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A NETLINK_ROUTE socket. It belongs to the network namespace of the thread that opened it for its whole
 * life, so a socket opened inside a pod's namespace keeps talking to that namespace from any thread.
 * Requests are answered in order ({@link #ack}, {@link #dump}); one socket serves one caller at a time.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOCKADDR_NL_LEN = 12;
    private static final int RECV_BUFFER = 64 * 1024;
    private static final int ENOBUFS = 105;

    private static final Downcall SOCKET = Downcall.errno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall BIND = Downcall.errno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall SEND = Downcall.errno("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final Downcall RECV = Downcall.errno("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(RECV_BUFFER, 8);
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private boolean closed;

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** A socket for requests in the calling thread's network namespace. */
    public static NetlinkSocket open() throws ErrnoException {
        return open(0);
    }

    /** A socket that also receives the change notifications of {@code groups} (RTMGRP_* bits). */
    public static NetlinkSocket open(int groups) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(a);
            int fd = (int) SOCKET.call(capture, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
            Libc.check(fd, capture, "socket", "AF_NETLINK NETLINK_ROUTE");
            MemorySegment addr = a.allocate(SOCKADDR_NL_LEN, 4);
            addr.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            addr.set(JAVA_INT, 8, groups);
            int rc = (int) BIND.call(capture, fd, addr, SOCKADDR_NL_LEN);
            if (rc == -1) {
                int errno = Libc.errno(capture);
                Fds.close(fd);
                throw new ErrnoException("bind", errno, "netlink groups " + Integer.toHexString(groups));
            }
            return new NetlinkSocket(fd);
        }
    }

    /**
     * Sends {@code request} asking for an acknowledgement and waits for it; a refusal raises a
     * {@link NetlinkException} whose message is {@code what} followed by the kernel's reason.
     */
    public synchronized void ack(NlWriter request, String what) throws NetlinkException, ErrnoException {
        int s = send(request.addFlags(Rtnetlink.NLM_F_ACK));
        while (true) {
            for (NlMessage m : receive()) {
                if (m.seq() != s) {
                    continue;
                }
                if (m.type() == Rtnetlink.NLMSG_ERROR) {
                    int err = -m.error();
                    if (err != 0) {
                        throw new NetlinkException(what + ": " + Libc.strerror(err) + " (errno " + err + ")", err);
                    }
                    return;
                }
            }
        }
    }

    /** Sends a dump request and returns every message of the answer. */
    public synchronized List<NlMessage> dump(NlWriter request, String what) throws NetlinkException, ErrnoException {
        int s = send(request.addFlags(Rtnetlink.NLM_F_DUMP));
        List<NlMessage> out = new ArrayList<>();
        while (true) {
            for (NlMessage m : receive()) {
                if (m.seq() != s) {
                    continue;
                }
                if (m.type() == Rtnetlink.NLMSG_DONE) {
                    return out;
                }
                if (m.type() == Rtnetlink.NLMSG_ERROR) {
                    int err = -m.error();
                    throw new NetlinkException(what + ": " + Libc.strerror(err) + " (errno " + err + ")", err);
                }
                out.add(m);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for notifications and returns them; empty on timeout. A receive
     * queue that overflowed (notifications lost) returns a single message of type {@code NLMSG_ERROR}, so the
     * caller knows to look again at everything.
     */
    public List<NlMessage> awaitNotifications(int timeoutMillis) throws NetlinkException, ErrnoException {
        if (Poll.waitReadable(new int[] {fd}, timeoutMillis) == 0) {
            return List.of();
        }
        try {
            return receive();
        } catch (ErrnoException e) {
            if (e.errno() == ENOBUFS) {
                return List.of(new NlMessage(Rtnetlink.NLMSG_ERROR, 0, 0, 0, ByteBuffer.allocate(0)));
            }
            throw e;
        }
    }

    private int send(NlWriter request) throws ErrnoException {
        int s = ++seq;
        byte[] msg = request.finish(s);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(a);
            MemorySegment m = a.allocate(msg.length, 8);
            MemorySegment.copy(msg, 0, m, JAVA_BYTE, 0, msg.length);
            long n = SEND.call(capture, fd, m, (long) msg.length, 0);
            Libc.check(n, capture, "send", "netlink message type " + request.type());
            return s;
        }
    }

    private List<NlMessage> receive() throws NetlinkException, ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(a);
            while (true) {
                long n = RECV.call(capture, fd, buffer, (long) RECV_BUFFER, 0);
                if (n == -1 && Libc.errno(capture) == Errno.EINTR) {
                    continue;
                }
                Libc.check(n, capture, "recv", "netlink");
                byte[] copy = buffer.asSlice(0, n).toArray(JAVA_BYTE);
                return NlMessage.split(ByteBuffer.wrap(copy));
            }
        }
    }

    /** The socket's descriptor (for polling beside others). */
    public int fd() {
        return fd;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Fds.close(fd);
        } catch (ErrnoException e) {
            // The descriptor is gone either way.
        }
        arena.close();
    }
}
