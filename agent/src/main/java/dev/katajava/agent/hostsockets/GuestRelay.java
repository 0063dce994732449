package dev.katajava.agent.hostsockets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.Poll;
import dev.katajava.linux.UnixSocketMessages;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One container connection to a forwarded host socket: a stream to the runtime opened with a header naming
 * the socket, then bytes copied both ways, each direction on a thread of its own with one fixed buffer, so a
 * side that stops reading stops the other side's writer (no buffering beyond the sockets' own). An end of
 * stream on one side becomes a half-close on the other; an error on either resets both.
 *
 * <p>Byte streams only: descriptors passed with SCM_RIGHTS cannot reach the host, so a container that sends
 * any has its connection reset (the descriptors it sent are closed) and the reason is logged.
 */
final class GuestRelay {
    private static final Log LOG = Log.of("agent");
    static final int CHUNK = 64 * 1024;
    private static final int MAX_REPLY = 512;
    private static final long STACK = 256 * 1024;
    static final long ANSWER_TIMEOUT_MS = 30_000;

    private final int container;
    private final HostDialer dialer;
    private final String token;
    private final String socketName;
    private final Consumer<GuestRelay> onClosed;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicBoolean reset = new AtomicBoolean();
    private volatile int host = -1;

    /**
     * A relay for {@code container} (an accepted connection, owned from here on). {@code onClosed} runs once
     * both directions have ended and every descriptor is closed.
     */
    GuestRelay(int container, HostDialer dialer, String token, String socketName, Consumer<GuestRelay> onClosed) {
        this.container = container;
        this.dialer = dialer;
        this.token = token;
        this.socketName = socketName;
        this.onClosed = onClosed;
    }

    /**
     * Dials the runtime on a thread of its own (so one slow answer holds up no other connection), then relays.
     * A refusal, or a runtime that cannot be reached, closes the container's connection.
     */
    void start() {
        Thread.ofPlatform().daemon().name("host-socket-out").stackSize(STACK).start(this::run);
    }

    private void run() {
        int fd = -1;
        try {
            fd = dialer.dial();
            String reply = handshake(fd, token);
            if (!reply.equals("OK")) {
                throw new IOException("the runtime refused: " + reply);
            }
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            LOG.warn("host socket connection refused; closing the container's connection", "socket", socketName,
                    "error", String.valueOf(e.getMessage()));
            closeQuietly(fd);
            closeQuietly(container);
            onClosed.accept(this);
            return;
        }
        host = fd;
        if (reset.get()) {
            // Reset while dialling: the shutdown then found no host side to stop.
            shutdownQuietly(fd, UnixSockets.SHUT_RDWR);
        }
        try {
            Thread.ofPlatform().daemon().name("host-socket-in").stackSize(STACK).start(this::hostToContainer);
        } catch (OutOfMemoryError e) {
            LOG.warn("no thread for a host socket connection; closing it", "socket", socketName);
            reset();
            finished();
        }
        containerToHost();
    }

    /**
     * Writes {@code HOSTSOCK <token>\n} and reads the runtime's one-line answer; a runtime that does not answer
     * within {@link #ANSWER_TIMEOUT_MS} gets no connection, so the container's connection never hangs on it.
     */
    static String handshake(int host, String token) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] header = ("HOSTSOCK " + token + "\n").getBytes(StandardCharsets.US_ASCII);
            MemorySegment out = arena.allocateFrom(JAVA_BYTE, header);
            Fds.writeFully(host, out, header.length);
            MemorySegment one = arena.allocate(1);
            StringBuilder line = new StringBuilder();
            long deadline = System.nanoTime() + ANSWER_TIMEOUT_MS * 1_000_000L;
            while (line.length() < MAX_REPLY) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0 || Poll.waitReadable(new int[] {host}, (int) left) == 0) {
                    return "no answer within " + ANSWER_TIMEOUT_MS + " ms";
                }
                if (Fds.read(host, one, 1) == 0) {
                    return "connection closed before an answer";
                }
                char c = (char) (one.get(JAVA_BYTE, 0) & 0xFF);
                if (c == '\n') {
                    return line.toString();
                }
                line.append(c);
            }
            return "answer longer than " + MAX_REPLY + " bytes";
        }
    }

    /** Stops both directions now; the descriptors are closed once both threads have left. */
    void reset() {
        if (reset.compareAndSet(false, true)) {
            shutdownQuietly(container, UnixSockets.SHUT_RDWR);
            int fd = host;
            if (fd >= 0) {
                shutdownQuietly(fd, UnixSockets.SHUT_RDWR);
            }
        }
    }

    private void containerToHost() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            while (true) {
                UnixSocketMessages.Received r = UnixSocketMessages.receive(container, buffer, CHUNK);
                if (r.fds().length > 0) {
                    for (int fd : r.fds()) {
                        closeQuietly(fd);
                    }
                    LOG.warn("descriptor passing (SCM_RIGHTS) is not supported on a forwarded host socket;"
                            + " connection reset", "socket", socketName, "descriptors", r.fds().length);
                    reset();
                    return;
                }
                if (r.bytes() == 0) {
                    shutdownQuietly(host, UnixSockets.SHUT_WR);
                    return;
                }
                Fds.writeFully(host, buffer, r.bytes());
            }
        } catch (ErrnoException e) {
            failed("container to host", e);
        } finally {
            finished();
        }
    }

    private void hostToContainer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            while (true) {
                int n = Fds.read(host, buffer, CHUNK);
                if (n == 0) {
                    shutdownQuietly(container, UnixSockets.SHUT_WR);
                    return;
                }
                Fds.writeFully(container, buffer, n);
            }
        } catch (ErrnoException e) {
            failed("host to container", e);
        } finally {
            finished();
        }
    }

    private void failed(String direction, ErrnoException e) {
        if (!reset.get()) {
            LOG.debug("host socket connection reset", "socket", socketName, "direction", direction,
                    "error", e.getMessage());
        }
        reset();
    }

    private void finished() {
        if (running.decrementAndGet() == 0) {
            // A reset from now on must not reach descriptor numbers the kernel may already have handed out again.
            reset.set(true);
            closeQuietly(container);
            closeQuietly(host);
            onClosed.accept(this);
        }
    }

    private static void shutdownQuietly(int fd, int how) {
        try {
            UnixSockets.shutdown(fd, how);
        } catch (ErrnoException ignored) {
            // Already disconnected: nothing is left to stop.
        }
    }

    static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // The descriptor is ours alone; nothing is left to undo.
        }
    }
}
