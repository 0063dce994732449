package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent over vsock. This host has no /dev/vhost-vsock, so the default (auto) is the shim's userspace
 * vhost-user-vsock backend; virtio-serial stays available by configuration.
 */
class VsockIT extends ContainerdTest {
    @TempDir
    Path dir;

    private static String qemuCommandLine(String sandboxId) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.map(p -> p.info().commandLine().orElse(""))
                    .filter(c -> c.contains("qemu-system") && c.contains("sandbox-" + sandboxId))
                    .findFirst().orElse("");
        }
    }

    @Test
    void theSandboxCarriesAVhostUserVsockDeviceAndNoSerialChannelAndManyExecsInARowSucceed() throws Exception {
        String id = "e2e-vsock-" + ProcessHandle.current().pid();
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600").exitCode()).isZero();

        String qemu = qemuCommandLine(id);
        assertThat(qemu).contains("vhost-user-vsock-pci").contains("memory-backend-memfd")
                .doesNotContain("virtserialport").doesNotContain("virtio-serial");

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Commands.Result exec = ctr("task", "exec", "--exec-id", "x" + i, id, "sh", "-c", "echo exec-" + i);
            if (exec.exitCode() != 0 || !exec.stdout().equals("exec-" + i + "\n")) {
                failures.add(i + ": " + exec.describe());
            }
        }
        assertThat(failures).isEmpty();
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void virtioSerialIsStillTheFallbackWhenConfigured() throws Exception {
        String id = "e2e-serial-" + ProcessHandle.current().pid();
        Path config = Files.writeString(dir.resolve("configuration.toml"), Files.readString(E2eEnvironment.CONFIG)
                .replaceFirst("(?m)^transport = .*$", "transport = \"virtio-serial\""));
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, "--runtime-config-path", config.toString(), image, id,
                "sleep", "600").exitCode()).isZero();

        assertThat(qemuCommandLine(id)).contains("virtserialport").doesNotContain("vsock");
        Commands.Result exec = ctr("task", "exec", "--exec-id", "x", id, "echo", "over-serial");
        assertThat(exec.stdout()).isEqualTo("over-serial\n");
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
