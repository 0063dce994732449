package dev.katajava.shim.monitor;

import dev.katajava.linux.PrometheusText;
import dev.katajava.logging.Log;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Kata's shim management endpoint: HTTP/1.1 on a Unix socket, answering {@code GET /metrics} with what
 * {@code metrics} supplies. One request per connection; a connection that does not finish its request in
 * time, or sends a head over 8 KiB, is dropped so a stuck client holds nothing for long.
 */
public final class MonitorServer implements Closeable {
    static final int MAX_HEAD = 8 * 1024;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Log LOG = Log.of("shim");

    private final Path socket;
    private final ServerSocketChannel listener;
    private final Supplier<String> metrics;

    private MonitorServer(Path socket, ServerSocketChannel listener, Supplier<String> metrics) {
        this.socket = socket;
        this.listener = listener;
        this.metrics = metrics;
    }

    /** Binds {@code socket} (creating its directory, owner-only) and serves it on virtual threads. */
    public static MonitorServer start(Path socket, Supplier<String> metrics) throws IOException {
        Files.createDirectories(socket.getParent(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // A socket file left by a shim that died would make bind fail.
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        MonitorServer server = new MonitorServer(socket, listener, metrics);
        Thread.ofVirtual().name("shim-monitor").start(server::acceptLoop);
        return server;
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting and removes the socket and its directory. */
    @Override
    public void close() {
        try {
            listener.close();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socket.getParent());
        } catch (DirectoryNotEmptyException e) {
            LOG.warn("shim directory not removed: it holds more than the monitor socket", "path", socket.getParent());
        } catch (IOException e) {
            LOG.warn("cannot remove the monitor socket", "path", socket, "error", e.getMessage());
        }
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                SocketChannel c = listener.accept();
                Thread.ofVirtual().name("shim-monitor-conn").start(() -> serve(c));
            } catch (IOException e) {
                if (listener.isOpen()) {
                    LOG.warn("monitor accept failed", "error", e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        Thread deadline = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(REQUEST_TIMEOUT);
                c.close();
            } catch (InterruptedException | IOException e) {
                // Answered in time, or already closed.
            }
        });
        try (c) {
            InputStream in = Channels.newInputStream(c);
            String response;
            try {
                response = respond(RequestHead.read(in, MAX_HEAD));
            } catch (RequestHead.BadRequest e) {
                response = response(400, "Bad Request", "text/plain", e.getMessage() + "\n", true);
            }
            ByteBuffer out = ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException e) {
            // The client went away (or took too long): nothing to answer.
        } finally {
            deadline.interrupt();
        }
    }

    private String respond(RequestHead head) {
        if (!head.path().equals("/metrics")) {
            return response(404, "Not Found", "text/plain", "not found: " + head.path() + "\n", true);
        }
        if (!head.method().equals("GET") && !head.method().equals("HEAD")) {
            return response(405, "Method Not Allowed\r\nAllow: GET, HEAD", "text/plain", "use GET\n", true);
        }
        return response(200, "OK", PrometheusText.CONTENT_TYPE, metrics.get(), head.method().equals("GET"));
    }

    /** {@code status} is the reason phrase, optionally followed by extra header lines. */
    private static String response(int code, String status, String type, String body, boolean withBody) {
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        return "HTTP/1.1 " + code + " " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + length
                + "\r\nConnection: close\r\n\r\n" + (withBody ? body : "");
    }
}
