package dev.katajava.agent.hostsockets;

import dev.katajava.linux.VsockSockets;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.HostSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The guest's listening sockets standing in for host sockets, per container: made before the container
 * (its spec binds them over the shared socket files), gone with it.
 */
public final class HostSocketForwarder {
    private static final Log LOG = Log.of("agent");
    /** Sockets at most per container, so a request cannot make the guest open descriptors without bound. */
    public static final int MAX_SOCKETS = 256;
    /** The kernel's 2 s default fails containers' connections on a loaded host; 30 s is the handshake's limit too. */
    private static final long CONNECT_TIMEOUT_MS = 30_000;

    private final Path root;
    private final IntFunction<HostDialer> dialers;
    private final Map<String, List<SocketListener>> byContainer = new ConcurrentHashMap<>();

    /**
     * @param root    the directory the listening sockets are made in, one subdirectory per container
     * @param dialers the dialer for a host vsock port
     */
    public HostSocketForwarder(Path root, IntFunction<HostDialer> dialers) {
        this.root = root;
        this.dialers = dialers;
    }

    /** In the guest: each connection dials the host (CID 2) on AF_VSOCK. */
    public static HostSocketForwarder overVsock(Path root) {
        return new HostSocketForwarder(root, port -> () -> VsockSockets.connect(VsockSockets.VMADDR_CID_HOST, port,
                CONNECT_TIMEOUT_MS));
    }

    /**
     * Listens in place of each of {@code sockets} for container {@code containerId}; returns the guest paths in
     * the same order. Replaces what an earlier request made for the same container.
     */
    public synchronized List<Path> forward(String containerId, int vsockPort, List<HostSocket> sockets)
            throws IOException {
        if (sockets.size() > MAX_SOCKETS) {
            throw new IllegalArgumentException(sockets.size() + " host sockets for container " + containerId
                    + "; at most " + MAX_SOCKETS);
        }
        if (containerId.isEmpty() || containerId.contains("/") || containerId.startsWith(".")) {
            throw new IllegalArgumentException("invalid container id \"" + containerId + "\"");
        }
        release(containerId);
        Path dir = root.resolve(containerId);
        Files.createDirectories(dir);
        HostDialer dialer = dialers.apply(vsockPort);
        List<SocketListener> made = new ArrayList<>();
        try {
            for (int i = 0; i < sockets.size(); i++) {
                HostSocket s = sockets.get(i);
                if (s.getToken().isEmpty() || s.getToken().contains("\n")) {
                    throw new IllegalArgumentException("host socket " + s.getContainerPath() + ": invalid token");
                }
                made.add(SocketListener.start(dir.resolve(i + ".sock"), s.getUid(), s.getGid(), s.getMode(),
                        s.getToken(), s.getContainerPath(), dialer));
            }
        } catch (IOException | RuntimeException e) {
            made.forEach(SocketListener::close);
            Files.deleteIfExists(dir);
            throw e;
        }
        byContainer.put(containerId, made);
        LOG.info("host sockets forwarded", "container", containerId, "count", made.size(),
                "port", Integer.toUnsignedString(vsockPort));
        return made.stream().map(SocketListener::path).toList();
    }

    /** Closes the container's listeners and every connection through them. */
    public synchronized void release(String containerId) {
        List<SocketListener> listeners = byContainer.remove(containerId);
        if (listeners == null) {
            return;
        }
        listeners.forEach(SocketListener::close);
        try {
            Files.deleteIfExists(root.resolve(containerId));
        } catch (IOException e) {
            LOG.warn("cannot remove a container's host socket directory", "container", containerId,
                    "error", e.getMessage());
        }
    }

    /** Releases every container's. */
    public synchronized void releaseAll() {
        for (String id : List.copyOf(byContainer.keySet())) {
            release(id);
        }
    }

    /** Connections being relayed for {@code containerId} now. */
    public int connections(String containerId) {
        return byContainer.getOrDefault(containerId, List.of()).stream().mapToInt(SocketListener::connections).sum();
    }
}
