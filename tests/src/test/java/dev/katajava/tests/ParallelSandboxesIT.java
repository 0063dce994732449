package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.shim.ShimAddress;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sandboxes started and stopped all at once, round after round (where Kata's users meet timeouts and
 * leaks), and containerd restarted while sandboxes start: every sandbox runs with the right output and
 * exit code or fails cleanly, and nothing is left behind.
 */
class ParallelSandboxesIT extends ContainerdTest {
    private static final int SANDBOXES = 8;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    /** Eight guests booting at once on a small host under emulation take longer than one to answer. */
    private Path patientConfig() throws IOException {
        String text = Files.readString(E2eEnvironment.CONFIG).replaceFirst("(?m)^dial_timeout = .*$", "dial_timeout = 300");
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    private static List<String> run(String config, String id, String script) {
        return List.of("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path", config, image, id, "sh", "-c", script);
    }

    @Test
    void eightSandboxesStartedAndStoppedAtOnceAllRunAndLeaveNothingRoundAfterRound() throws Exception {
        String config = patientConfig().toString();
        String base = "e2e-par-" + ProcessHandle.current().pid() + "-";
        long fdsAfterFirstRound = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < ROUNDS; round++) {
                long start = System.nanoTime();
                List<CompletableFuture<Commands.Result>> runs = new ArrayList<>();
                for (int i = 0; i < SANDBOXES; i++) {
                    String id = base + round + "-" + i;
                    // The sleep keeps every sandbox up until the last has started: all eight then stop together.
                    String script = "sleep 3; echo sandbox " + i + " of round " + round + "; exit " + (10 + i);
                    runs.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return containerd.ctr(run(config, id, script), Duration.ofMinutes(8));
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                for (int i = 0; i < SANDBOXES; i++) {
                    Commands.Result r = runs.get(i).join();
                    assertThat(r.exitCode()).as("round " + round + " sandbox " + i + ": " + r.describe()).isEqualTo(10 + i);
                    assertThat(r.stdout()).isEqualTo("sandbox " + i + " of round " + round + "\n");
                }
                System.out.printf("%d sandboxes at once, round %d: %d ms%n", SANDBOXES, round,
                        (System.nanoTime() - start) / 1_000_000);
                for (int i = 0; i < SANDBOXES; i++) {
                    String id = base + round + "-" + i;
                    assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(20))).as("leaks of " + id).isEmpty();
                    assertThat(ShimAddress.socketPath(containerd.socket().toString(), PrivateContainerd.NAMESPACE, id))
                            .as("shim socket of " + id).doesNotExist();
                }
                if (round == 0) {
                    fdsAfterFirstRound = openFds(containerd.pid());
                } else {
                    assertThat(openFds(containerd.pid())).as("containerd's descriptors after round " + round)
                            .isLessThanOrEqualTo(fdsAfterFirstRound);
                }
            }
        }
    }

    @Test
    void containerdRestartedWhileSandboxesStartLosesNoneAndLeavesNothing() throws Exception {
        String config = patientConfig().toString();
        String base = "e2e-par-restart-" + ProcessHandle.current().pid() + "-";
        int count = 4;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(base + i);
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Commands.Result>> starts = new ArrayList<>();
            for (String id : ids) {
                starts.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, "--runtime-config-path",
                                config, image, id, "sleep", "600"), Duration.ofMinutes(8));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            // Mid-start: some shims are booting their VMs, some may not have been asked yet.
            Thread.sleep(4000);
            containerd.restart();
            starts.forEach(CompletableFuture::join);
        }
        // Whatever each start's fate, the restarted containerd can see every task that exists and remove it.
        StringBuilder removal = new StringBuilder();
        for (String id : ids) {
            Commands.Result task = awaitTaskSettled(id);
            if (task.stdout().contains("RUNNING")) {
                Commands.Result exec = ctr("task", "exec", "--exec-id", "after", id, "echo", "alive " + id);
                assertThat(exec.exitCode()).as(exec.describe()).isZero();
                assertThat(exec.stdout()).isEqualTo("alive " + id + "\n");
            }
            removal.append(task.describe());
            for (List<String> step : List.of(List.of("task", "kill", "--signal", "SIGKILL", id),
                    List.of("task", "delete", "--force", id), List.of("containers", "rm", id))) {
                removal.append(String.join(" ", step)).append(": ").append(ctr(step.toArray(String[]::new)).describe());
            }
        }
        for (String id : ids) {
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(20)))
                    .as("leaks of " + id + " after " + removal + "\ncontainerd log ends: " + logTail()).isEmpty();
        }
        Commands.Result after = containerd.ctr(run(config, base + "after", "echo works"), Duration.ofMinutes(3));
        assertThat(after.exitCode()).as(after.describe()).isZero();
        assertThat(after.stdout()).isEqualTo("works\n");
    }

    /** The task's line in ctr task ls once it is no longer being created (or absent), for a minute at most. */
    private static Commands.Result awaitTaskSettled(String id) throws Exception {
        Commands.Result tasks = ctr("task", "ls");
        for (int i = 0; i < 300; i++) {
            boolean creating = tasks.stdout().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains("CREATED"));
            if (!creating) {
                break;
            }
            Thread.sleep(200);
            tasks = ctr("task", "ls");
        }
        return tasks;
    }

    private static String logTail() throws IOException {
        List<String> lines = Files.readAllLines(containerd.log());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static long openFds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }
}
