package dev.katajava.transport;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Dials the guest agent's vsock port through a hybrid-vsock Unix socket (the convention of Firecracker and
 * Cloud Hypervisor, served here by the vhost-user-vsock backend): connect, send {@code CONNECT <port>\n},
 * and the stream is the guest's once {@code OK <host port>\n} comes back. A guest not listening yet closes
 * the connection without an answer; that is retried until the timeout.
 */
public final class HybridVsockTransport implements AgentTransport {
    private static final int MAX_REPLY = 64;
    private static final Duration ATTEMPT = Duration.ofSeconds(2);

    private final Path socket;
    private final int port;

    public HybridVsockTransport(Path socket, int port) {
        this.socket = socket;
        this.port = port;
    }

    @Override
    public ByteStream dial(Duration timeout) throws IOException {
        return DialRetry.until(timeout, describe(), () -> {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            // A guest that never answers the connection request must not hold the dial past its attempt.
            AtomicBoolean answered = new AtomicBoolean();
            Thread watchdog = Thread.ofVirtual().start(() -> closeUnlessAnswered(channel, answered));
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                String reply = handshake(channel);
                if (!answered.compareAndSet(false, true)) {
                    throw new IOException("no answer from the guest within " + ATTEMPT);
                }
                watchdog.interrupt();
                if (reply.startsWith("OK ")) {
                    return ByteStream.of(channel);
                }
                throw new IOException(reply.isEmpty() ? "the guest refused port " + port
                        : "unexpected answer \"" + reply + "\"");
            } catch (IOException e) {
                answered.set(true);
                watchdog.interrupt();
                channel.close();
                throw e;
            }
        });
    }

    private static void closeUnlessAnswered(SocketChannel channel, AtomicBoolean answered) {
        try {
            Thread.sleep(ATTEMPT);
            if (answered.compareAndSet(false, true)) {
                channel.close();
            }
        } catch (InterruptedException | IOException e) {
            // The handshake finished first.
        }
    }

    /** Sends CONNECT and reads the one-line answer byte by byte, so nothing after it is consumed. */
    private String handshake(SocketChannel channel) throws IOException {
        ByteBuffer request = ByteBuffer.wrap(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
        while (request.hasRemaining()) {
            channel.write(request);
        }
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.length() < MAX_REPLY) {
            one.clear();
            if (channel.read(one) < 0) {
                return line.toString();
            }
            char c = (char) (one.get(0) & 0xff);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
        return line.toString();
    }

    @Override
    public String describe() {
        return "hvsock:" + socket + ":" + port;
    }
}
