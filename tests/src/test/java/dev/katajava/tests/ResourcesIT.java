package dev.katajava.tests;

import static dev.katajava.tests.support.E2eEnvironment.RUNTIME;
import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.BusyboxImage;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guest cgroups through ctr: pause/resume, metrics, and a memory limit the kernel enforces. */
class ResourcesIT {
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

        assertThat(ctr("task", "kill", "--signal", "SIGKILL", id).exitCode()).isZero();
        Commands.Result deleted = ctr("task", "delete", id);
        for (int i = 0; i < 50 && deleted.exitCode() != 0; i++) {
            Thread.sleep(200);
            deleted = ctr("task", "delete", id);
        }
        assertThat(deleted.exitCode()).as(deleted.describe()).isZero();
        ctr("containers", "rm", id);
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
