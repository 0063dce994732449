package dev.katajava.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCommandTest {
    @TempDir
    Path root;

    private record Output(int code, String out, String err) {
    }

    private Output run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KataRuntime.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), root);
        return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A shim stand-in answering one connection with {@code response}; completes with the request it read. */
    private CompletableFuture<String> fakeShim(String sandboxId, String response) throws IOException {
        Path socket = Files.createDirectories(root.resolve("run/vc/sbs").resolve(sandboxId)).resolve("shim-monitor.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        CompletableFuture<String> request = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (listener; SocketChannel c = listener.accept()) {
                ByteBuffer in = ByteBuffer.allocate(4096);
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n") && c.read(in.clear()) > 0) {
                    head.append(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                }
                request.complete(head.toString());
                c.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                request.completeExceptionally(e);
            }
        });
        return request;
    }

    @Test
    void printsTheBodyTheShimAnswersToGetMetrics() throws Exception {
        CompletableFuture<String> request = fakeShim("metrics-sb", """
                HTTP/1.1 200 OK\r
                Content-Length: 34\r
                Connection: close\r
                \r
                kata_shim_rss_bytes 1
                kata_x 2
                """);
        Output o = run("metrics", "metrics-sb");
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).isEqualTo("kata_shim_rss_bytes 1\nkata_x 2\n");
        assertThat(request.get()).startsWith("GET /metrics HTTP/1.1\r\n");
    }

    @Test
    void aSandboxWithoutMonitorSocketIsNamedInTheError() {
        Output o = run("metrics", "metrics-absent");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains("sandbox metrics-absent not found")
                .contains(root.resolve("run/vc/sbs/metrics-absent/shim-monitor.sock").toString());
    }

    @Test
    void anErrorStatusFromTheShimIsReported() throws Exception {
        var _ = fakeShim("metrics-404", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        Output o = run("metrics", "metrics-404");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains("sandbox metrics-404").contains("404 Not Found");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void anIdThatIsNotAPlainNameIsRefusedBeforeAnyPathIsBuilt() {
        Output o = run("metrics", "../vm/x");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("invalid sandbox id");
    }

    @Test
    void metricsWithoutASandboxIdIsAUsageError() {
        Output o = run("metrics");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("metrics needs a sandbox id");
    }
}
