package dev.katajava.virtcontainers.hostsockets;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.linux.VsockSockets;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The host end of forwarded host sockets for one sandbox: the agent opens a vsock stream per container
 * connection, names the socket with {@code HOSTSOCK <token>\n}, and is answered {@code OK\n} once the host
 * socket accepted (then bytes flow both ways, {@link Splice}) or {@code ERR <reason>\n}. Tokens are random
 * and per socket, so the guest reaches only the sockets its containers' specs named.
 *
 * <p>Guest connections arrive through {@code <hybrid socket>_<port>} behind our vhost-user-vsock backend, or
 * on an AF_VSOCK port the kernel picks with vhost-vsock.
 */
public final class HostSocketRelay implements AutoCloseable {
    private static final Log LOG = Log.of("shim");
    /** The host vsock port guest connections use behind our own backend (ports are private to the VM there). */
    public static final int HYBRID_PORT = 1030;
    private static final int MAX_HEADER = 128;
    static final long HEADER_TIMEOUT_MS = 30_000;
    private static final String VERB = "HOSTSOCK ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Target(String containerId, Path hostPath, String name) {
    }

    private final int port;
    private final AutoCloseable listener;
    private final Runnable cleanup;
    private final ThreadFactory threads;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Set<Splice>> active = new ConcurrentHashMap<>();
    private final Set<Duplex> handshaking = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private HostSocketRelay(int port, AutoCloseable listener, Runnable cleanup, ThreadFactory threads,
            Runnable acceptLoop) {
        this.port = port;
        this.listener = listener;
        this.cleanup = cleanup;
        this.threads = threads;
        this.acceptor = threads.newThread(acceptLoop);
    }

    /** Listens at {@code <hybridSocket>_1030}, where our vhost-user-vsock backend delivers guest connections. */
    public static HostSocketRelay overHybridVsock(Path hybridSocket) throws IOException {
        Path path = hybridSocket.resolveSibling(hybridSocket.getFileName() + "_" + HYBRID_PORT);
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for forwarded host socket connections on " + path + ": "
                    + e.getMessage(), e);
        }
        HostSocketRelay[] self = new HostSocketRelay[1];
        HostSocketRelay relay = new HostSocketRelay(HYBRID_PORT, server, () -> {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("cannot remove a socket", "path", path, "error", e.getMessage());
            }
        }, Thread.ofVirtual().name("host-socket-relay", 0).factory(), () -> self[0].acceptChannels(server));
        self[0] = relay;
        relay.acceptor.start();
        return relay;
    }

    /** Listens on an AF_VSOCK port the kernel picks (kernel vhost-vsock: host ports are shared host-wide). */
    public static HostSocketRelay overVsock() throws IOException {
        int fd = VsockSockets.listen(VsockSockets.VMADDR_CID_ANY, VsockSockets.VMADDR_PORT_ANY, 128);
        int port;
        try {
            port = VsockSockets.localPort(fd);
        } catch (ErrnoException e) {
            shutdownFd(fd);
            closeFd(fd);
            throw e;
        }
        HostSocketRelay[] self = new HostSocketRelay[1];
        // Shut down to wake the acceptor; closed once it has left accept.
        HostSocketRelay relay = new HostSocketRelay(port, () -> shutdownFd(fd), () -> closeFd(fd),
                Thread.ofPlatform().daemon().name("host-socket-relay", 0).stackSize(256 * 1024).factory(),
                () -> self[0].acceptFds(fd));
        self[0] = relay;
        relay.acceptor.start();
        return relay;
    }

    /** The host vsock port the guest is to connect to. */
    public int port() {
        return port;
    }

    /** Makes {@code hostPath} reachable for {@code containerId}; returns the token that names it. */
    public String register(String containerId, Path hostPath, String containerPath) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        targets.put(token, new Target(containerId, hostPath, containerPath));
        return token;
    }

    /** Forgets the container's sockets and closes every connection it has through them. */
    public void release(String containerId) {
        targets.values().removeIf(t -> t.containerId().equals(containerId));
        Set<Splice> splices = active.remove(containerId);
        if (splices != null) {
            splices.forEach(Splice::close);
        }
    }

    /** Connections being relayed now. */
    public int connections() {
        return active.values().stream().mapToInt(Set::size).sum();
    }

    private void acceptChannels(ServerSocketChannel server) {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.warn("forwarded host socket listener stopped", "error", e.getMessage());
                }
                return;
            }
            serve(new ChannelDuplex(c));
        }
    }

    private void acceptFds(int listenFd) {
        while (true) {
            int fd;
            try {
                fd = VsockSockets.accept(listenFd);
            } catch (ErrnoException e) {
                if (!closing) {
                    LOG.warn("forwarded host socket listener stopped", "error", e.getMessage());
                }
                return;
            }
            serve(new FdDuplex(fd));
        }
    }

    private void serve(Duplex guest) {
        if (closing) {
            guest.close();
            return;
        }
        handshaking.add(guest);
        // A guest that never names its socket does not keep the connection (and a thread) forever.
        Thread.ofVirtual().name("host-socket-header-timeout").start(() -> {
            try {
                Thread.sleep(HEADER_TIMEOUT_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (handshaking.contains(guest)) {
                LOG.warn("guest connection named no socket in time; closed", "ms", HEADER_TIMEOUT_MS);
                guest.close();
            }
        });
        threads.newThread(() -> {
            try {
                connect(guest);
            } finally {
                handshaking.remove(guest);
            }
        }).start();
    }

    private void connect(Duplex guest) {
        Target target;
        SocketChannel host;
        try {
            String token = parse(readLine(guest));
            target = targets.get(token);
            if (target == null) {
                refuse(guest, "unknown socket token", null);
                return;
            }
            try {
                host = SocketChannel.open(UnixDomainSocketAddress.of(target.hostPath()));
            } catch (IOException e) {
                String reason = "connect " + target.hostPath() + ": " + e.getMessage();
                refuse(guest, reason, target);
                return;
            }
        } catch (IOException | IllegalArgumentException e) {
            refuse(guest, e.getMessage(), null);
            return;
        }
        try {
            guest.write(ByteBuffer.wrap("OK\n".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            guest.close();
            closeQuietly(host);
            return;
        }
        Set<Splice> set = active.computeIfAbsent(target.containerId(), k -> ConcurrentHashMap.newKeySet());
        Splice splice = new Splice(guest, new ChannelDuplex(host), s -> set.remove(s));
        set.add(splice);
        // Released meanwhile: the container is gone, so is this connection.
        if (closing || !targets.containsValue(target)) {
            splice.close();
            set.remove(splice);
            return;
        }
        splice.start(threads);
    }

    private static void refuse(Duplex guest, String reason, Target target) {
        LOG.warn("forwarded host socket connection refused", "reason", reason,
                "container_path", target == null ? "" : target.name(),
                "container", target == null ? "" : target.containerId());
        try {
            String line = "ERR " + reason.replace('\n', ' ') + "\n";
            guest.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException ignored) {
            // The guest went away first; it learns nothing either way.
        }
        guest.close();
    }

    /** Reads one line byte by byte, so no relayed data is consumed with it. */
    static String readLine(Duplex guest) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (line.length() < MAX_HEADER) {
            one.clear();
            if (guest.read(one) < 0) {
                throw new IOException("guest closed before naming a socket");
            }
            char c = (char) (one.get(0) & 0xFF);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
        throw new IllegalArgumentException("header longer than " + MAX_HEADER + " bytes");
    }

    static String parse(String line) {
        if (!line.startsWith(VERB)) {
            throw new IllegalArgumentException("expected 'HOSTSOCK <token>'");
        }
        return line.substring(VERB.length()).strip();
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        closing = true;
        try {
            listener.close();
        } catch (Exception e) {
            LOG.warn("cannot close the forwarded host socket listener", "error", e.getMessage());
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handshaking.forEach(Duplex::close);
        for (String id : Set.copyOf(active.keySet())) {
            release(id);
        }
        targets.clear();
        cleanup.run();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing is all that is left to do with it.
        }
    }

    private static void shutdownFd(int fd) {
        try {
            UnixSockets.shutdown(fd, UnixSockets.SHUT_RDWR);
        } catch (ErrnoException ignored) {
            // Not listening any more.
        }
    }

    private static void closeFd(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // Nothing left to release.
        }
    }
}
