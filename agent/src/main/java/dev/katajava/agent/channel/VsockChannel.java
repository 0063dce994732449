package dev.katajava.agent.channel;

import dev.katajava.linux.VsockSockets;
import dev.katajava.transport.FdByteStream;
import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;

/**
 * The agent's AF_VSOCK port (1024, any CID, as Kata's agent listens). Unlike the virtio-serial port, each
 * runtime connection is a stream of its own, so a runtime can reconnect while an old connection drains.
 */
public final class VsockChannel implements AgentChannel {
    public static final int PORT = 1024;
    private static final int BACKLOG = 16;

    private final int port;
    private final String description;
    private int listenFd;

    public VsockChannel(int port) {
        this(port, -1, "vsock:" + port);
    }

    private VsockChannel(int port, int listenFd, String description) {
        this.port = port;
        this.listenFd = listenFd;
        this.description = description;
    }

    /**
     * The same channel over {@code listenFd}, a stream socket already listening: the AOT training serves its
     * Unix socket through it, so the accept the guest runs is the one trained.
     */
    public static VsockChannel listeningOn(int listenFd, String description) {
        if (listenFd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + listenFd);
        }
        return new VsockChannel(-1, listenFd, description);
    }

    @Override
    public synchronized ByteStream accept() throws IOException {
        if (listenFd < 0) {
            // The vsock device appears when its module has probed it: binding fails until then.
            listenFd = VsockSockets.listen(VsockSockets.VMADDR_CID_ANY, port, BACKLOG);
        }
        return new FdByteStream(VsockSockets.accept(listenFd));
    }

    @Override
    public boolean concurrent() {
        return true;
    }

    @Override
    public String describe() {
        return description;
    }
}
