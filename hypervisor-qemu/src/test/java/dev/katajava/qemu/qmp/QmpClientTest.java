package dev.katajava.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTest {
    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static CompletableFuture<Object> async(QmpClient client, String command, Map<String, ?> args,
                                                   Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.execute(command, args, timeout);
            } catch (QmpException e) {
                return e;
            }
        });
    }

    @Test
    void readsTheGreetingAndNegotiatesCapabilitiesBeforeTheFirstCommand() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            assertThat(client.greeting().path("QMP").path("version").path("qemu").path("minor").asInt()).isEqualTo(2);
            CompletableFuture<Object> status = async(client, "query-status", null, FIVE_SECONDS);
            JsonNode cmd = qemu.nextCommand();
            assertThat(cmd.path("execute").asText()).isEqualTo("query-status");
            assertThat(cmd.has("arguments")).isFalse();
            qemu.reply(cmd, "{\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}");
            assertThat(((JsonNode) status.get(5, TimeUnit.SECONDS)).path("status").asText()).isEqualTo("prelaunch");
        }
    }

    @Test
    void connectRetriesUntilTheSocketAppears() throws Exception {
        Path socket = dir.resolve("late.sock");
        CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return QmpClient.connect(socket, FIVE_SECONDS, () -> true);
            } catch (QmpException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(connecting).isNotDone();
        try (FakeQmpServer qemu = new FakeQmpServer(socket)) {
            QmpClient client = connecting.get(5, TimeUnit.SECONDS);
            try {
                assertThat(client.greeting().has("QMP")).isTrue();
                assertThat(client.isClosed()).isFalse();
            } finally {
                client.close();
            }
            assertThat(qemu.socket).exists();
        }
    }

    @Test
    void connectGivesUpAtTheDeadlineNamingTheSocket() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("never.sock"), Duration.ofMillis(300), () -> true))
                .isInstanceOf(QmpException.class).hasMessageContaining("never.sock").hasMessageContaining("300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void connectGivesUpAtOnceWhenQemuIsGone() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("none.sock"), Duration.ofSeconds(30), () -> false))
                .isInstanceOf(QmpException.class).hasMessageContaining("QEMU exited");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aPeerThatNeverGreetsFailsTheConnectWithinTheDeadline() throws Exception {
        try (FakeQmpServer silent = new FakeQmpServer(dir.resolve("silent.sock"), null)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> QmpClient.connect(silent.socket, Duration.ofMillis(400), () -> true))
                    .isInstanceOf(QmpException.class).hasMessageContaining("greeting");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aPeerThatIsNotQmpIsRefused() throws Exception {
        try (FakeQmpServer other = new FakeQmpServer(dir.resolve("other.sock"), "{\"hello\": 1}")) {
            assertThatThrownBy(() -> QmpClient.connect(other.socket, FIVE_SECONDS, () -> true))
                    .isInstanceOf(QmpException.class).hasMessageContaining("not a QMP greeting");
        }
    }

    @Test
    void matchesRepliesToCallersWhenTheyArriveOutOfOrder() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            CompletableFuture<Object> first = async(client, "query-status", null, FIVE_SECONDS);
            JsonNode firstCmd = qemu.nextCommand();
            CompletableFuture<Object> second = async(client, "query-cpus-fast", null, FIVE_SECONDS);
            JsonNode secondCmd = qemu.nextCommand();
            assertThat(firstCmd.get("id")).isNotEqualTo(secondCmd.get("id"));
            qemu.reply(secondCmd, "[{\"cpu-index\": 0}]");
            assertThat(((JsonNode) second.get(5, TimeUnit.SECONDS)).get(0).path("cpu-index").asInt()).isZero();
            assertThat(first).isNotDone();
            qemu.reply(firstCmd, "{\"status\": \"running\"}");
            assertThat(((JsonNode) first.get(5, TimeUnit.SECONDS)).path("status").asText()).isEqualTo("running");
        }
    }

    @Test
    void manyConcurrentCallersEachGetTheirOwnAnswer() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            int n = 32;
            List<CompletableFuture<Object>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(async(client, "echo", Map.of("n", i), FIVE_SECONDS));
            }
            List<JsonNode> received = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                received.add(qemu.nextCommand());
            }
            for (JsonNode cmd : received.reversed()) {
                qemu.reply(cmd, "{\"n\": " + cmd.path("arguments").path("n").asInt() + "}");
            }
            for (int i = 0; i < n; i++) {
                assertThat(((JsonNode) calls.get(i).get(5, TimeUnit.SECONDS)).path("n").asInt()).isEqualTo(i);
            }
        }
    }

    @Test
    void argumentsAreSentAsAJsonObject() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            CompletableFuture<Object> call = async(client, "device_add",
                    Map.of("driver", "virtio-blk-pci", "id", "blk0", "share-rw", true), FIVE_SECONDS);
            JsonNode cmd = qemu.nextCommand();
            assertThat(cmd.path("arguments").path("driver").asText()).isEqualTo("virtio-blk-pci");
            assertThat(cmd.path("arguments").path("share-rw").asBoolean()).isTrue();
            qemu.reply(cmd, "{}");
            assertThat(call.get(5, TimeUnit.SECONDS)).isInstanceOf(JsonNode.class);
        }
    }

    @Test
    void refusedCommandsCarryQemusErrorClassAndDescription() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            CompletableFuture<Object> call = async(client, "device_add", Map.of("driver", "nope"), FIVE_SECONDS);
            qemu.error(qemu.nextCommand(), "GenericError", "'nope' is not a valid device model name");
            assertThat(call.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(QmpException.class, e -> {
                assertThat(e.refusedByQemu()).isTrue();
                assertThat(e.errorClass()).isEqualTo("GenericError");
                assertThat(e.desc()).isEqualTo("'nope' is not a valid device model name");
                assertThat(e.getMessage()).isEqualTo("device_add: GenericError: 'nope' is not a valid device model name");
            });
            assertThat(client.isClosed()).as("a refusal leaves the connection usable").isFalse();
        }
    }

    @Test
    void aCommandWithoutAnswerTimesOutAndALateAnswerIsIgnored() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            CompletableFuture<Object> call = async(client, "query-status", null, Duration.ofMillis(200));
            JsonNode cmd = qemu.nextCommand();
            assertThat(call.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(QmpException.class, e -> {
                assertThat(e.refusedByQemu()).isFalse();
                assertThat(e.getMessage()).contains("query-status").contains("200 ms");
            });
            qemu.reply(cmd, "{}");
            CompletableFuture<Object> next = async(client, "query-name", null, FIVE_SECONDS);
            qemu.reply(qemu.nextCommand(), "{\"name\": \"sandbox-x\"}");
            assertThat(((JsonNode) next.get(5, TimeUnit.SECONDS)).path("name").asText()).isEqualTo("sandbox-x");
        }
    }

    @Test
    void eventsReachListenersInOrderInterleavedWithReplies() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            List<String> events = new CopyOnWriteArrayList<>();
            CountDownLatch three = new CountDownLatch(3);
            client.onEvent(e -> {
                events.add(e.path("event").asText() + ":" + e.path("data").path("reason").asText(""));
                three.countDown();
            });
            CompletableFuture<Object> cont = async(client, "cont", null, FIVE_SECONDS);
            JsonNode cmd = qemu.nextCommand();
            qemu.send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}");
            qemu.reply(cmd, "{}");
            qemu.send("{\"timestamp\": {\"seconds\": 3, \"microseconds\": 4}, \"event\": \"SHUTDOWN\","
                    + " \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}");
            qemu.send("{\"timestamp\": {\"seconds\": 3, \"microseconds\": 5}, \"event\": \"STOP\"}");
            assertThat(cont.get(5, TimeUnit.SECONDS)).isInstanceOf(JsonNode.class);
            assertThat(three.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(events).containsExactly("RESUME:", "SHUTDOWN:guest-shutdown", "STOP:");
        }
    }

    @Test
    void aListenerMayExecuteCommandsItself() throws Exception {
        try (FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
             QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true)) {
            CompletableFuture<Object> fromListener = new CompletableFuture<>();
            client.onEvent(e -> fromListener.complete(async(client, "query-status", null, FIVE_SECONDS).join()));
            qemu.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}");
            qemu.reply(qemu.nextCommand(), "{\"status\": \"paused\"}");
            assertThat(((JsonNode) fromListener.get(5, TimeUnit.SECONDS)).path("status").asText()).isEqualTo("paused");
        }
    }

    @Test
    void whenQemuGoesAwayPendingAndLaterCommandsFailAndCloseListenersRunOnce() throws Exception {
        FakeQmpServer qemu = new FakeQmpServer(dir.resolve("qmp.sock"));
        QmpClient client = QmpClient.connect(qemu.socket, FIVE_SECONDS, () -> true);
        try {
            AtomicInteger closes = new AtomicInteger();
            CountDownLatch closeRan = new CountDownLatch(1);
            client.onClose(() -> {
                closes.incrementAndGet();
                closeRan.countDown();
            });
            CompletableFuture<Object> a = async(client, "query-status", null, Duration.ofSeconds(30));
            CompletableFuture<Object> b = async(client, "query-name", null, Duration.ofSeconds(30));
            qemu.nextCommand();
            qemu.nextCommand();
            qemu.close();
            assertThat(a.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(QmpException.class,
                    e -> assertThat(e.getMessage()).contains("closed the QMP connection"));
            assertThat(b.get(5, TimeUnit.SECONDS)).isInstanceOf(QmpException.class);
            assertThat(client.isClosed()).isTrue();
            assertThatThrownBy(() -> client.execute("query-status", FIVE_SECONDS)).isInstanceOf(QmpException.class);
            client.close();
            AtomicInteger late = new AtomicInteger();
            client.onClose(late::incrementAndGet);
            // The reader thread fails pending commands before it runs close listeners, so wait for it.
            assertThat(closeRan.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(closes.get()).isEqualTo(1);
            assertThat(late.get()).as("a listener added after the end runs at once").isEqualTo(1);
        } finally {
            client.close();
        }
    }
}
