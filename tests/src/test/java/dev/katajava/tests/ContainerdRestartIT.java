package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** containerd restarted under a running sandbox finds its shim again and keeps driving it. */
class ContainerdRestartIT extends ContainerdTest {
    @Test
    void aRestartedContainerdReconnectsToTheRunningShim() throws Exception {
        String id = "e2e-restart-" + ProcessHandle.current().pid();
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600").exitCode()).isZero();

        containerd.restart();

        Commands.Result tasks = ctr("task", "ls");
        for (int i = 0; i < 100 && !tasks.stdout().contains(id); i++) {
            Thread.sleep(200);
            tasks = ctr("task", "ls");
        }
        assertThat(tasks.stdout().lines().filter(l -> l.startsWith(id + " ")))
                .as(tasks.describe()).singleElement().asString().contains("RUNNING");
        Commands.Result exec = ctr("task", "exec", "--exec-id", "after-restart", id, "echo", "still-here");
        assertThat(exec.exitCode()).as(exec.describe()).isZero();
        assertThat(exec.stdout()).isEqualTo("still-here\n");
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
