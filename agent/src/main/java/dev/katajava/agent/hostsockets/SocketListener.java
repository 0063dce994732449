package dev.katajava.agent.hostsockets;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guest's stand-in for one host socket: a listening Unix socket with the host socket's owner, group and
 * mode, whose every accepted connection is relayed to the runtime ({@link GuestRelay}).
 */
final class SocketListener implements AutoCloseable {
    private static final Log LOG = Log.of("agent");
    private static final int BACKLOG = 128;

    private final Path path;
    private final int listenFd;
    private final String token;
    private final String name;
    private final HostDialer dialer;
    private final Set<GuestRelay> relays = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private SocketListener(Path path, int listenFd, String token, String name, HostDialer dialer) {
        this.path = path;
        this.listenFd = listenFd;
        this.token = token;
        this.name = name;
        this.dialer = dialer;
        this.acceptor = Thread.ofPlatform().daemon().name("host-socket-accept").stackSize(256 * 1024)
                .unstarted(this::acceptLoop);
    }

    /**
     * Listens at {@code path} (replacing a stale file) with the given owner and permission bits, and starts
     * accepting. {@code name} is the container's path, for messages.
     */
    static SocketListener start(Path path, int uid, int gid, int mode, String token, String name,
            HostDialer dialer) throws IOException {
        Files.deleteIfExists(path);
        int fd = UnixSockets.listen(path, BACKLOG);
        try {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
            Files.setAttribute(path, "unix:mode", mode & 07777);
        } catch (IOException | RuntimeException e) {
            GuestRelay.closeQuietly(fd);
            Files.deleteIfExists(path);
            throw new IOException("cannot give " + path + " owner " + uid + ":" + gid + " and mode "
                    + Integer.toOctalString(mode & 07777) + ": " + e.getMessage(), e);
        }
        SocketListener listener = new SocketListener(path, fd, token, name, dialer);
        listener.acceptor.start();
        return listener;
    }

    Path path() {
        return path;
    }

    /** Connections being relayed now. */
    int connections() {
        return relays.size();
    }

    private void acceptLoop() {
        while (true) {
            int fd;
            try {
                fd = UnixSockets.accept(listenFd);
            } catch (ErrnoException e) {
                if (!closing) {
                    LOG.warn("host socket listener stopped", "socket", name, "error", e.getMessage());
                }
                return;
            }
            if (closing) {
                GuestRelay.closeQuietly(fd);
                return;
            }
            GuestRelay relay = new GuestRelay(fd, dialer, token, name, relays::remove);
            relays.add(relay);
            try {
                relay.start();
            } catch (OutOfMemoryError e) {
                // No thread to serve it: the container's connection is closed rather than left hanging.
                LOG.warn("no thread for a host socket connection; closing it", "socket", name);
                relays.remove(relay);
                GuestRelay.closeQuietly(fd);
            }
        }
    }

    /** Stops accepting, resets every connection and removes the socket file. */
    @Override
    public void close() {
        closing = true;
        try {
            UnixSockets.shutdown(listenFd, UnixSockets.SHUT_RDWR);
        } catch (ErrnoException ignored) {
            // Not listening any more: accept has returned or will.
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        GuestRelay.closeQuietly(listenFd);
        for (GuestRelay r : relays) {
            r.reset();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove a host socket's stand-in", "path", path, "error", e.getMessage());
        }
    }
}
