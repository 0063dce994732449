package dev.katajava.cli;

import dev.katajava.virtcontainers.oci.OciSpecException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code kata-runtime metrics SANDBOX}: asks the shim serving the sandbox for {@code GET /metrics} on its
 * monitor socket and prints the Prometheus text it answers, as Kata 2.x's command does.
 */
final class MetricsCommand {
    /** Longer than the shim's own agent call deadline, so its explanation arrives before we give up. */
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int MAX_RESPONSE = 16 * 1024 * 1024;

    private MetricsCommand() {
    }

    /** {@code socketOf} maps a sandbox id to its monitor socket, refusing ids that are not plain names. */
    static int run(String sandboxId, SocketLocator socketOf, PrintStream out, PrintStream err) {
        Path socket;
        try {
            socket = socketOf.monitorSocket(sandboxId);
        } catch (OciSpecException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (!Files.exists(socket)) {
            err.println("sandbox " + sandboxId + " not found: no shim monitor socket at " + socket
                    + " (is the sandbox running on this host?)");
            return 1;
        }
        try {
            String response = get(socket);
            int headEnd = response.indexOf("\r\n\r\n");
            String statusLine = response.substring(0, Math.max(0, response.indexOf("\r\n")));
            if (headEnd < 0 || !statusLine.matches("HTTP/1\\.[01] 200 .*")) {
                err.println("sandbox " + sandboxId + ": the shim answered \"" + statusLine + "\"");
                return 1;
            }
            out.print(response.substring(headEnd + 4));
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("sandbox " + sandboxId + ": cannot read metrics from " + socket + ": " + e.getMessage());
            return 1;
        }
    }

    interface SocketLocator {
        Path monitorSocket(String sandboxId) throws OciSpecException;
    }

    @SuppressWarnings("try") // the watchdog closes the channel early to cut off a shim that does not answer
    private static String get(Path socket) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(TIMEOUT);
                    c.close();
                } catch (InterruptedException | IOException e) {
                    // Answered in time.
                }
            });
            try {
                ByteBuffer request = ByteBuffer.wrap("GET /metrics HTTP/1.1\r\nHost: shim\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                while (request.hasRemaining()) {
                    c.write(request);
                }
                InputStream in = Channels.newInputStream(c);
                byte[] body = in.readNBytes(MAX_RESPONSE + 1);
                if (body.length > MAX_RESPONSE) {
                    throw new IOException("response larger than " + MAX_RESPONSE + " bytes");
                }
                return new String(body, StandardCharsets.UTF_8);
            } finally {
                watchdog.interrupt();
            }
        }
    }
}
