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
    private static final Duration RETRY_PAUSE = Duration.ofMillis(10);

    private final Path socket;

    public UnixSocketTransport(Path socket) {
        this.socket = socket;
    }

    @Override
    public ByteStream dial(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return ByteStream.of(channel);
            } catch (IOException e) {
                channel.close();
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("cannot connect to agent channel " + describe() + " within " + timeout
                        + ": " + last.getMessage(), last);
            }
            try {
                Thread.sleep(RETRY_PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to " + describe(), e);
            }
        }
    }

    @Override
    public String describe() {
        return "unix:" + socket;
    }
}
