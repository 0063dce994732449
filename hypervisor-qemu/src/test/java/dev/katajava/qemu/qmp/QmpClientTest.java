package dev.katajava.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A scripted QMP peer: greets, answers qmp_capabilities, then hands every other command to the test. */
    private final class FakeQemu implements AutoCloseable {
        final Path socket = dir.resolve("qmp.sock");
        final ServerSocketChannel server;
        final LinkedBlockingQueue<JsonNode> commands = new LinkedBlockingQueue<>();
        volatile SocketChannel peer;

        FakeQemu() throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofVirtual().start(this::serve);
        }

        private void serve() {
            try {
                peer = server.accept();
                send("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": []}}");
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode cmd = JSON.readTree(line);
                    if (cmd.path("execute").asText().equals("qmp_capabilities")) {
                        reply(cmd, "{}");
                    } else {
                        commands.add(cmd);
                    }
                }
            } catch (IOException ignored) {
                // Closed by the test.
            }
        }

        void reply(JsonNode cmd, String returnJson) throws IOException {
            send("{\"return\": " + returnJson + ", \"id\": \"" + cmd.get("id").asText() + "\"}");
        }

        synchronized void send(String line) throws IOException {
            ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                peer.write(b);
            }
        }

        @Override
        public void close() throws IOException {
            if (peer != null) {
                peer.close();
            }
            server.close();
        }
    }

    @Test
    void negotiatesCapabilitiesAndMatchesRepliesToCallersOutOfOrder() throws Exception {
        try (FakeQemu qemu = new FakeQemu(); QmpClient client = QmpClient.connect(qemu.socket, Duration.ofSeconds(5), () -> true)) {
            assertThat(client.greeting().path("QMP").path("version").path("qemu").path("major").asInt()).isEqualTo(7);
            CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> exec(client, "query-status"));
            JsonNode firstCmd = qemu.commands.poll(5, TimeUnit.SECONDS);
            CompletableFuture<JsonNode> second = CompletableFuture.supplyAsync(() -> exec(client, "query-cpus-fast"));
            JsonNode secondCmd = qemu.commands.poll(5, TimeUnit.SECONDS);
            qemu.reply(secondCmd, "[{\"cpu-index\": 0}]");
            qemu.reply(firstCmd, "{\"status\": \"running\"}");
            assertThat(first.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
            assertThat(second.get(5, TimeUnit.SECONDS).get(0).path("cpu-index").asInt()).isZero();
        }
    }

    @Test
    void refusedCommandsCarryQemusErrorClassAndDescription() throws Exception {
        try (FakeQemu qemu = new FakeQemu(); QmpClient client = QmpClient.connect(qemu.socket, Duration.ofSeconds(5), () -> true)) {
            CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> {
                try {
                    client.execute("device_add", Map.of("driver", "nope"), Duration.ofSeconds(5));
                    return null;
                } catch (QmpException e) {
                    return e;
                }
            });
            JsonNode cmd = qemu.commands.poll(5, TimeUnit.SECONDS);
            assertThat(cmd.path("arguments").path("driver").asText()).isEqualTo("nope");
            qemu.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such driver\"}, \"id\": \""
                    + cmd.get("id").asText() + "\"}");
            assertThat(call.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(QmpException.class, e -> {
                assertThat(e.errorClass()).isEqualTo("GenericError");
                assertThat(e.getMessage()).isEqualTo("device_add: no such driver");
            });
        }
    }

    @Test
    void eventsReachListenersAndADeadPeerFailsPendingCommands() throws Exception {
        FakeQemu qemu = new FakeQemu();
        try (QmpClient client = QmpClient.connect(qemu.socket, Duration.ofSeconds(5), () -> true)) {
            List<String> events = new CopyOnWriteArrayList<>();
            client.onEvent(e -> events.add(e.path("event").asText()));
            qemu.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}");
            CompletableFuture<Throwable> pending = CompletableFuture.supplyAsync(() -> {
                try {
                    client.execute("query-status", null, Duration.ofSeconds(10));
                    return null;
                } catch (QmpException e) {
                    return e;
                }
            });
            qemu.commands.poll(5, TimeUnit.SECONDS);
            qemu.close();
            assertThat(pending.get(5, TimeUnit.SECONDS)).isInstanceOf(QmpException.class);
            assertThat(events).containsExactly("STOP");
            assertThat(client.isClosed()).isTrue();
        }
    }

    @Test
    void connectGivesUpAtOnceWhenQemuIsGone() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("none.sock"), Duration.ofSeconds(30), () -> false))
                .isInstanceOf(QmpException.class).hasMessageContaining("QEMU exited");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private static JsonNode exec(QmpClient client, String command) {
        try {
            return client.execute(command, null, Duration.ofSeconds(5));
        } catch (QmpException e) {
            throw new RuntimeException(e);
        }
    }
}
