package dev.katajava.transport;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Dials a unix socket that the VMM serves for the agent channel.
 *
 * <p>With virtio-serial, QEMU listens on this socket and relays bytes to the guest port; the guest agent
 * sees them once it has opened the port, so a connection that succeeds before the agent is up is still
 * usable: the first request simply waits in the channel.
 */
public final class UnixSocketTransport implements AgentTransport {
    private final Path socket;

    public UnixSocketTransport(Path socket) {
        this.socket = socket;
    }

    @Override
    public ByteStream dial(Duration timeout) throws IOException {
        return DialRetry.until(timeout, describe(), () -> {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return ByteStream.of(channel);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        });
    }

    @Override
    public String describe() {
        return "unix:" + socket;
    }
}
