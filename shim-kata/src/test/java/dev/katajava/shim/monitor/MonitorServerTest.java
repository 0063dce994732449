package dev.katajava.shim.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorServerTest {
    @TempDir
    Path dir;
    MonitorServer server;

    @BeforeEach
    void start() throws IOException {
        server = MonitorServer.start(dir.resolve("sbs/metrics-sb/shim-monitor.sock"), () -> "m_total 7\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String exchange(String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.socket()));
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            return new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void getMetricsAnswersThePrometheusText() throws IOException {
        String response = exchange("GET /metrics HTTP/1.1\r\nHost: shim\r\nAccept: */*\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n")
                .contains("Content-Length: 10\r\n")
                .endsWith("\r\n\r\nm_total 7\n");
    }

    @Test
    void aQueryStringIsIgnored() throws IOException {
        assertThat(exchange("GET /metrics?x=1 HTTP/1.0\n\n")).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws IOException {
        assertThat(exchange("GET /agent-url HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 404 Not Found\r\n");
        assertThat(exchange("POST /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405 Method Not Allowed\r\n")
                .contains("Allow: GET, HEAD\r\n");
    }

    @Test
    void headAnswersWithoutBody() throws IOException {
        assertThat(exchange("HEAD /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\n");
    }

    @Test
    void malformedOrTruncatedRequestsAreBadRequests() throws IOException {
        assertThat(exchange("hello\r\n\r\n")).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(exchange("GET metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(exchange("GET /metrics HTTP/2\r\n\r\n")).startsWith("HTTP/1.1 400");
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.socket()));
            c.write(ByteBuffer.wrap("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            c.shutdownOutput();
            assertThat(new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void anOversizedHeadIsRefusedWithoutReadingItAll() throws IOException {
        String huge = "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(MonitorServer.MAX_HEAD) + "\r\n\r\n";
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.socket()));
            c.write(ByteBuffer.wrap(huge.substring(0, MonitorServer.MAX_HEAD).getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("larger than");
        }
    }

    @Test
    void aClientThatNeverFinishesItsRequestIsDropped() throws IOException {
        server.close();
        server = MonitorServer.start(dir.resolve("sbs/metrics-slow/shim-monitor.sock"), () -> "x 1\n",
                Duration.ofMillis(300));
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.socket()));
            c.write(ByteBuffer.wrap("GET /metr".getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(Channels.newInputStream(c).readAllBytes()).isEmpty();
        }
    }

    @Test
    void anAnswerSlowerThanTheRequestTimeoutStillArrives() throws IOException {
        server.close();
        server = MonitorServer.start(dir.resolve("sbs/metrics-wait/shim-monitor.sock"), () -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "late 1\n";
        }, Duration.ofMillis(200));
        assertThat(exchange("GET /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 OK").endsWith("late 1\n");
    }

    @Test
    void closeRemovesTheSocketAndItsDirectory() {
        Path socket = server.socket();
        assertThat(socket).exists();
        server.close();
        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).doesNotExist();
        assertThat(socket.getParent().getParent()).exists();
    }

    @Test
    void aSocketLeftByADeadShimIsReplaced() throws IOException {
        Path socket = server.socket();
        server.close();
        Files.createDirectories(socket.getParent());
        Files.createFile(socket);
        server = MonitorServer.start(socket, () -> "again 1\n");
        assertThat(exchange("GET /metrics HTTP/1.1\r\n\r\n")).endsWith("again 1\n");
    }
}
