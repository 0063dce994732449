package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Guest cgroups through ctr: pause/resume, metrics, and a memory limit the kernel enforces. */
class ResourcesIT extends ContainerdTest {
    private static String status(String id) throws Exception {
        return ctr("task", "ls").stdout().lines().filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
    }

    @Test
    void pauseFreezesTheContainerResumeThawsItAndMetricsComeFromTheGuest() throws Exception {
        String id = "e2e-res-" + ProcessHandle.current().pid();
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600").exitCode()).isZero();

        assertThat(ctr("task", "pause", id).exitCode()).isZero();
        assertThat(status(id)).contains("PAUSED");
        assertThat(ctr("task", "resume", id).exitCode()).isZero();
        assertThat(status(id)).contains("RUNNING");

        Commands.Result metrics = ctr("task", "metrics", id);
        assertThat(metrics.exitCode()).as(metrics.describe()).isZero();
        assertThat(metrics.stdout()).contains("pids.current").contains("memory.usage");

        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aProcessOverItsMemoryLimitIsKilledWith137() throws Exception {
        String id = "e2e-oom-" + ProcessHandle.current().pid();
        // 48 MiB written to a tmpfs is charged to the container's memory cgroup, limited to 16 MiB.
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--memory-limit", Long.toString(16L << 20),
                image, id, "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=48");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(137);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
