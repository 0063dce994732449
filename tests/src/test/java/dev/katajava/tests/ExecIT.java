package dev.katajava.tests;

import static dev.katajava.tests.support.E2eEnvironment.RUNTIME;
import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.BusyboxImage;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ctr task exec} into a running container, and killing it. */
class ExecIT {
    private static PrivateContainerd containerd;
    private static String image;

    @BeforeAll
    static void startContainerd() throws Exception {
        containerd = PrivateContainerd.start(E2eEnvironment.PREFIX, E2eEnvironment.CONFIG);
        image = BusyboxImage.importInto(containerd, E2eEnvironment.REPO);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    private static Commands.Result ctr(String... args) throws Exception {
        return containerd.ctr(List.of(args), Duration.ofMinutes(3));
    }

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

            Commands.Result kill = ctr("task", "kill", "--signal", "SIGKILL", id);
            assertThat(kill.exitCode()).as(kill.describe()).isZero();
            Commands.Result deleted = ctr("task", "delete", id);
            for (int i = 0; i < 50 && deleted.exitCode() != 0; i++) {
                Thread.sleep(200);
                deleted = ctr("task", "delete", id);
            }
            assertThat(deleted.exitCode()).as(deleted.describe()).isZero();
            assertThat(ctr("containers", "rm", id).exitCode()).isZero();
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
}
