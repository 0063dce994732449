package dev.katajava.vhostuser.hybrid;

import dev.katajava.logging.Log;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's door into the guest: a Unix socket where a client writes {@code CONNECT <port>\n}, is answered
 * {@code OK <host-port>\n} once the guest accepts, and then talks to the guest's port. A refused or malformed
 * request just closes the client.
 */
public final class HybridListener implements AutoCloseable {
    private static final Log LOG = Log.of("vhost-user-vsock");
    private static final int MAX_LINE = 64;
    private static final String VERB = "CONNECT ";

    private final Path path;
    private final VsockMuxer muxer;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> handshaking = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private HybridListener(Path path, VsockMuxer muxer, ServerSocketChannel server) {
        this.path = path;
        this.muxer = muxer;
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("vsock-hybrid-accept").unstarted(this::acceptLoop);
    }

    /** Listens on {@code path} (replacing a stale socket file) and starts accepting. */
    public static HybridListener start(Path path, VsockMuxer muxer) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for hybrid vsock clients on " + path + ": " + e.getMessage(), e);
        }
        HybridListener listener = new HybridListener(path, muxer, server);
        listener.acceptor.start();
        return listener;
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("hybrid vsock accept failed; listener stopped", "path", path, "error", e.getMessage());
                return;
            }
            handshaking.add(client);
            Thread.ofVirtual().name("vsock-hybrid-handshake").start(() -> handshake(client));
        }
    }

    private void handshake(SocketChannel client) {
        try {
            String line = readLine(client);
            int port = parsePort(line);
            HybridStream endpoint = new HybridStream(client, stream -> ("OK "
                    + Integer.toUnsignedString(stream.key().localPort()) + "\n").getBytes(StandardCharsets.US_ASCII));
            muxer.connectToGuest(port, endpoint);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("hybrid vsock client dropped", "error", e.getMessage());
            closeQuietly(client);
        } finally {
            handshaking.remove(client);
        }
    }

    /** Reads one line byte by byte, so nothing after it (the client's first data) is consumed here. */
    static String readLine(ReadableByteChannel client) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (line.length() < MAX_LINE) {
            one.clear();
            if (client.read(one) < 0) {
                throw new IOException("client closed before sending its CONNECT line");
            }
            char c = (char) (one.get(0) & 0xFF);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
        throw new IllegalArgumentException("CONNECT line longer than " + MAX_LINE + " bytes");
    }

    static int parsePort(String line) {
        String trimmed = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (!trimmed.startsWith(VERB)) {
            throw new IllegalArgumentException("expected 'CONNECT <port>', got '" + trimmed + "'");
        }
        String number = trimmed.substring(VERB.length()).trim();
        try {
            return Integer.parseUnsignedInt(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + number + "' is not a vsock port");
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel c : handshaking) {
            closeQuietly(c);
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove hybrid vsock socket", "path", path, "error", e.getMessage());
        }
    }

    private static void closeQuietly(Channel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Nothing more can be done with a channel that fails to close.
        }
    }
}
