package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Containers that CRI annotations put in one pod share one shim and one VM. */
class PodIT extends ContainerdTest {
    private static long count(String needle) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.info().commandLine().orElse("").contains(needle)).count();
        }
    }

    @Test
    void podContainersJoinTheSandboxVmAndTheSandboxsEndTearsItDown() throws Exception {
        String pod = "e2e-pod-" + ProcessHandle.current().pid();
        String member = pod + "-app";
        Commands.Result sandbox = ctr("run", "-d", "--runtime", RUNTIME,
                "--annotation", "io.kubernetes.cri.container-type=sandbox",
                "--annotation", "io.kubernetes.cri.sandbox-id=" + pod, image, pod, "sleep", "600");
        assertThat(sandbox.exitCode()).as(sandbox.describe()).isZero();

        Commands.Result app = ctr("run", "--rm", "--runtime", RUNTIME,
                "--annotation", "io.kubernetes.cri.container-type=container",
                "--annotation", "io.kubernetes.cri.sandbox-id=" + pod, image, member,
                "sh", "-c", "uname -r; echo app-done");
        assertThat(app.exitCode()).as(app.describe()).isZero();
        assertThat(app.stdout()).endsWith("app-done\n");
        assertThat(count("sandbox-" + pod)).as("QEMU processes of the pod").isEqualTo(1);
        assertThat(count("-id " + member)).as("a shim of the member's own").isZero();

        Commands.Result orphan = ctr("run", "--rm", "--runtime", RUNTIME,
                "--annotation", "io.kubernetes.cri.container-type=container",
                "--annotation", "io.kubernetes.cri.sandbox-id=no-such-pod", image, pod + "-orphan", "true");
        assertThat(orphan.exitCode()).isNotZero();
        assertThat(orphan.stderr()).contains("no-such-pod");
        ctr("containers", "rm", pod + "-orphan");

        removeTask(pod);
        assertThat(Leaks.awaitNone(pod, containerd, Duration.ofSeconds(15))).isEmpty();
    }
}
