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
 * {@code metrics} supplies. One request per connection; a client that does not finish its request within
 * 10 s, or sends a head over 8 KiB, is dropped so a stuck client holds nothing for long.
 */
public final class MonitorServer implements Closeable {
    static final int MAX_HEAD = 8 * 1024;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Log LOG = Log.of("shim");

    private final Path socket;
    private final ServerSocketChannel listener;
    private final Supplier<String> metrics;
    private final Duration requestTimeout;

    private MonitorServer(Path socket, ServerSocketChannel listener, Supplier<String> metrics,
            Duration requestTimeout) {
        this.socket = socket;
        this.listener = listener;
        this.metrics = metrics;
        this.requestTimeout = requestTimeout;
    }

    /** Binds {@code socket} (creating its directory, owner-only) and serves it on virtual threads. */
    public static MonitorServer start(Path socket, Supplier<String> metrics) throws IOException {
        return start(socket, metrics, REQUEST_TIMEOUT);
    }

    static MonitorServer start(Path socket, Supplier<String> metrics, Duration requestTimeout) throws IOException {
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
        MonitorServer server = new MonitorServer(socket, listener, metrics, requestTimeout);
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
        // Only reading the request is timed: the answer may wait on the agent, whose call has its own deadline.
        Thread deadline = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(requestTimeout);
                c.close();
            } catch (InterruptedException | IOException e) {
                // The request arrived in time, or the connection is closed already.
            }
        });
        try (c) {
            InputStream in = Channels.newInputStream(c);
            String response;
            try {
                RequestHead request = RequestHead.read(in, MAX_HEAD);
                deadline.interrupt();
                response = respond(request);
            } catch (RequestHead.BadRequest e) {
                response = text(400, "Bad Request", "", e.getMessage() + "\n");
            }
            ByteBuffer out = ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException e) {
            // The client went away (or took too long to ask): nothing to answer.
        } finally {
            deadline.interrupt();
        }
    }

    private String respond(RequestHead request) {
        if (!request.path().equals("/metrics")) {
            return text(404, "Not Found", "", "not found: " + request.path() + "\n");
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return text(405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "use GET\n");
        }
        String body = metrics.get();
        String ok = head(200, "OK", "", PrometheusText.CONTENT_TYPE, body);
        return request.method().equals("GET") ? ok + body : ok;
    }

    private static String text(int code, String reason, String extraHeaders, String body) {
        return head(code, reason, extraHeaders, "text/plain; charset=utf-8", body) + body;
    }

    /** Status line and headers; {@code extraHeaders} are complete CRLF-terminated lines. */
    private static String head(int code, String reason, String extraHeaders, String type, String body) {
        return "HTTP/1.1 " + code + " " + reason + "\r\n" + extraHeaders + "Content-Type: " + type
                + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n";
    }
}
