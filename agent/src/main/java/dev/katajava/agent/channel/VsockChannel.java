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
    private int listenFd = -1;

    public VsockChannel(int port) {
        this.port = port;
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
        return "vsock:" + port;
    }
}
