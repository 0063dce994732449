package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code ctr task exec} into a running container, and killing it. */
class ExecIT extends ContainerdTest {
    @Test
    void execsRunInTheContainerWithTheirOwnUserAndCwdAndKillStopsTheTask() throws Exception {
        String id = "e2e-exec-" + ProcessHandle.current().pid();
        Path log = Files.createTempFile("events", ".log");
        Process events = containerd.events(log);
        try {
            Commands.Result run = ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600");
            assertThat(run.exitCode()).as(run.describe()).isZero();

            Commands.Result exec = ctr("task", "exec", "--exec-id", "x1", "--user", "65534", "--cwd", "/tmp", id,
                    "sh", "-c", "echo in-exec; id -u; pwd; cat /proc/1/cmdline | tr '\\0' ' '; exit 4");
            assertThat(exec.exitCode()).as(exec.describe()).isEqualTo(4);
            assertThat(exec.stdout()).isEqualTo("in-exec\n65534\n/tmp\nsleep 600 ");

            for (int i = 0; i < 3; i++) {
                Commands.Result again = ctr("task", "exec", "--exec-id", "again-" + i, id, "echo", "round " + i);
                assertThat(again.exitCode()).as(again.describe()).isZero();
                assertThat(again.stdout()).isEqualTo("round " + i + "\n");
            }

            removeTask(id);
            Thread.sleep(500);
        } finally {
            events.destroy();
            events.waitFor();
        }
        List<String> topics = Files.readAllLines(log).stream()
                .filter(l -> l.contains(id) && l.contains("/tasks/") && !l.contains("again-"))
                .map(l -> l.replaceAll(".*(/tasks/[a-z-]+).*", "$1"))
                .toList();
        assertThat(topics).containsSubsequence("/tasks/create", "/tasks/start", "/tasks/exec-added",
                "/tasks/exec-started", "/tasks/exit", "/tasks/exit", "/tasks/delete");
        assertThat(Files.readAllLines(log).stream().filter(l -> l.contains("/tasks/exit") && l.contains(id))
                .anyMatch(l -> l.contains("137"))).as("the killed init exits with 137").isTrue();
        Files.delete(log);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void concurrentExecsWritingFastGetEveryByteInOrder() throws Exception {
        String id = "e2e-execs-" + ProcessHandle.current().pid();
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600").exitCode()).isZero();
        // seq 1 400000: 2.7 MB per exec, four at once, each checked line for line.
        List<CompletableFuture<Commands.Result>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String exec = "seq-" + i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return ctr("task", "exec", "--exec-id", exec, id, "seq", "1", "400000");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        String expected = IntStream.rangeClosed(1, 400000).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n", "", "\n"));
        for (CompletableFuture<Commands.Result> run : runs) {
            Commands.Result r = run.get(5, TimeUnit.MINUTES);
            assertThat(r.exitCode()).as(r.describe().substring(0, Math.min(300, r.describe().length()))).isZero();
            assertThat(r.stdout().length()).isEqualTo(expected.length());
            assertThat(r.stdout().equals(expected)).as("byte-exact output").isTrue();
        }
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
