package dev.katajava.vhostuser;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.device.VsockDevice;
import dev.katajava.vhostuser.hybrid.HybridListener;
import dev.katajava.vhostuser.hybrid.UnixSocketConnector;
import dev.katajava.vhostuser.protocol.MessageChannel;
import dev.katajava.vhostuser.protocol.VhostUserSession;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A vhost-user-vsock device for one VM: listens for the front end (QEMU) on a vhost-user socket and for host
 * clients on a hybrid socket. Serves exactly one front-end connection; when it ends the backend shuts down.
 */
public final class VhostUserVsockBackend implements AutoCloseable {
    private static final Log LOG = Log.of("vhost-user-vsock");
    private static final int MAX_LOGGED_REQUESTS = 1000;

    private final Path vhostUserSocket;
    private final int listenFd;
    private final VsockMuxer muxer;
    private final VsockDevice device;
    private final HybridListener hybrid;
    private final long guestCid;
    private final Thread sessionThread;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final List<String> requests = new ArrayList<>();
    private volatile int sessionFd = -1;
    private volatile boolean closing;

    private VhostUserVsockBackend(Path vhostUserSocket, int listenFd, VsockMuxer muxer, VsockDevice device,
            HybridListener hybrid, long guestCid) {
        this.vhostUserSocket = vhostUserSocket;
        this.listenFd = listenFd;
        this.muxer = muxer;
        this.device = device;
        this.hybrid = hybrid;
        this.guestCid = guestCid;
        this.sessionThread = Thread.ofPlatform().daemon().name("vhost-user-vsock-session").unstarted(this::serve);
    }

    /**
     * Starts listening on both sockets (stale socket files are replaced). The front end is expected to connect
     * to {@code vhostUserSocket}; guest connections to host port P go to the Unix socket {@code hybridSocket_P}.
     */
    public static VhostUserVsockBackend start(Path vhostUserSocket, Path hybridSocket, long guestCid)
            throws IOException {
        VsockMuxer muxer = new VsockMuxer(guestCid, new UnixSocketConnector(hybridSocket));
        Files.deleteIfExists(vhostUserSocket);
        int listenFd = UnixSockets.listen(vhostUserSocket, 1);
        VsockDevice device = null;
        HybridListener hybrid = null;
        try {
            device = new VsockDevice(muxer);
            hybrid = HybridListener.start(hybridSocket, muxer);
        } catch (IOException | RuntimeException e) {
            if (device != null) {
                device.close();
            }
            closeQuietly(listenFd);
            Files.deleteIfExists(vhostUserSocket);
            throw e;
        }
        VhostUserVsockBackend backend = new VhostUserVsockBackend(vhostUserSocket, listenFd, muxer, device, hybrid,
                guestCid);
        backend.sessionThread.start();
        return backend;
    }

    public long guestCid() {
        return guestCid;
    }

    /** Names of the vhost-user requests handled so far, oldest first (the first thousand), for diagnostics. */
    public List<String> requestsSeen() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Open vsock streams. */
    public int streams() {
        return muxer.connectionCount();
    }

    /** Waits until the front end disconnected (or the backend was closed). */
    public boolean awaitFrontEndGone(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    private void serve() {
        try {
            int fd = UnixSockets.accept(listenFd);
            sessionFd = fd;
            if (closing) {
                return;
            }
            LOG.info("vhost-user front end connected", "socket", vhostUserSocket);
            new VhostUserSession(new MessageChannel(fd), device, guestCid, this::recordRequest).run();
        } catch (IOException e) {
            if (!closing) {
                LOG.warn("vhost-user session ended", "error", e.getMessage());
            }
        } finally {
            if (!closing) {
                // With the front end gone the guest is unreachable: refuse new host clients, drop all streams.
                hybrid.close();
                device.reset();
            }
            finished.countDown();
        }
    }

    private void recordRequest(String name) {
        synchronized (requests) {
            if (requests.size() < MAX_LOGGED_REQUESTS) {
                requests.add(name);
            }
        }
    }

    /** Stops every thread, unmaps guest memory, closes every descriptor and removes both sockets. */
    @Override
    public void close() {
        closing = true;
        shutdownQuietly(listenFd);
        int fd = sessionFd;
        if (fd >= 0) {
            shutdownQuietly(fd);
        }
        try {
            sessionThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hybrid.close();
        device.close();
        if (sessionFd >= 0) {
            closeQuietly(sessionFd);
        }
        closeQuietly(listenFd);
        try {
            Files.deleteIfExists(vhostUserSocket);
        } catch (IOException e) {
            LOG.warn("cannot remove vhost-user socket", "path", vhostUserSocket, "error", e.getMessage());
        }
    }

    private static void shutdownQuietly(int fd) {
        try {
            UnixSockets.shutdown(fd, UnixSockets.SHUT_RDWR);
        } catch (ErrnoException ignored) {
            // Not connected or already shut down: nothing is blocked on it then.
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // The descriptor is ours alone; nothing is left to undo.
        }
    }
}
