package dev.katajava.vhostuser.hybrid;

import dev.katajava.logging.Log;
import dev.katajava.vhostuser.vsock.GuestStream;
import dev.katajava.vhostuser.vsock.HostConnector;
import dev.katajava.vhostuser.vsock.HostEndpoint;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Serves guest connections to host port P by connecting to the Unix socket {@code <hybrid path>_P}, the
 * Firecracker convention; nothing listening there means the guest is refused.
 */
public final class UnixSocketConnector implements HostConnector {
    private static final Log LOG = Log.of("vhost-user-vsock");

    private final Path hybridSocket;

    public UnixSocketConnector(Path hybridSocket) {
        this.hybridSocket = hybridSocket;
    }

    /** Where a host service for {@code port} listens. */
    public Path pathFor(int port) {
        return hybridSocket.resolveSibling(hybridSocket.getFileName() + "_" + Integer.toUnsignedString(port));
    }

    @Override
    public HostEndpoint accept(int hostPort, GuestStream stream) {
        Path target = pathFor(hostPort);
        SocketChannel socket;
        try {
            socket = SocketChannel.open(UnixDomainSocketAddress.of(target));
        } catch (IOException e) {
            LOG.debug("guest connection refused: no host service", "port", Integer.toUnsignedString(hostPort),
                    "path", target, "error", e.getMessage());
            return null;
        }
        return new HybridStream(socket, null);
    }
}
