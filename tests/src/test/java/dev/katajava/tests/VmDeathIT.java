package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A VM or a shim that dies under its containers: every task ends (with 255 when the VM died) and nothing is
 * left behind: no QEMU, shim, mount, directory or socket.
 */
class VmDeathIT extends ContainerdTest {
    @Test
    void killingQemuEndsTheTaskWith255AndTheCleanupLeavesNothing() throws Exception {
        String id = "e2e-vmdeath-" + ProcessHandle.current().pid();
        java.nio.file.Path log = java.nio.file.Files.createTempFile("events", ".log");
        Process events = containerd.events(log);
        assertThat(containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600"),
                Duration.ofMinutes(3)).exitCode()).isZero();
        ProcessHandle qemu;
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            qemu = all.filter(p -> p.info().commandLine().orElse("").contains("sandbox-" + id)).findFirst().orElseThrow();
        }
        qemu.destroyForcibly();

        Commands.Result waited = containerd.ctr(List.of("task", "ls"), Duration.ofSeconds(30));
        for (int i = 0; i < 100 && !waited.stdout().contains("STOPPED"); i++) {
            Thread.sleep(100);
            waited = containerd.ctr(List.of("task", "ls"), Duration.ofSeconds(30));
        }
        assertThat(waited.stdout()).as("the task stops when its VM dies").contains(id).contains("STOPPED");
        Commands.Result deleted = containerd.ctr(List.of("task", "delete", id), Duration.ofSeconds(60));
        assertThat(deleted.exitCode()).as(deleted.describe()).isZero();
        Thread.sleep(300);
        events.destroy();
        events.waitFor();
        List<String> exits = java.nio.file.Files.readAllLines(log).stream()
                .filter(l -> l.contains("/tasks/exit") && l.contains(id)).toList();
        assertThat(exits).singleElement().asString().contains("\"exit_status\":255");
        java.nio.file.Files.delete(log);
        containerd.ctr(List.of("containers", "rm", id), Duration.ofSeconds(30));
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }

    @Test
    void aSigkilledShimIsCleanedUpByTheDeleteActionLeavingNothing() throws Exception {
        String id = "e2e-shimkill-" + ProcessHandle.current().pid();
        assertThat(containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600"),
                Duration.ofMinutes(3)).exitCode()).isZero();
        ProcessHandle shim;
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            shim = all.filter(p -> {
                String cmd = p.info().commandLine().orElse("");
                return cmd.contains("dev.katajava.shim.ShimMain")
                        && (cmd.contains("-id " + id + " ") || cmd.endsWith("-id " + id));
            }).findFirst().orElseThrow();
        }
        shim.destroyForcibly();
        shim.onExit().get();

        // containerd sees the shim's connection end, runs `containerd-shim-kata-v2 delete` for the bundle
        // and marks the task stopped.
        for (int i = 0; i < 150 && running(id); i++) {
            Thread.sleep(200);
        }
        containerd.ctr(List.of("task", "delete", id), Duration.ofSeconds(60));
        containerd.ctr(List.of("containers", "rm", id), Duration.ofSeconds(30));
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(30))).isEmpty();
    }

    private static boolean running(String id) throws Exception {
        return containerd.ctr(List.of("task", "ls"), Duration.ofSeconds(30)).stdout().lines()
                .anyMatch(l -> l.startsWith(id + " ") && l.contains("RUNNING"));
    }
}
