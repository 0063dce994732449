package dev.katajava.virtcontainers.vmcache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.virtcontainers.SandboxPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootedVmSourceTest {
    @TempDir
    Path dir;

    /** Stands in for QEMU: a process whose command line names {@code runDir}, as QEMU's does. */
    private static Process qemuNaming(Path runDir) throws Exception {
        return new ProcessBuilder("sh", "-c", "sleep 60", runDir.toString()).start();
    }

    @Test
    void reapingKillsTheQemuOfEveryCachedVmLeftAndRemovesItsDirectories() throws Exception {
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        Path runDir = Files.createDirectories(paths.runDir("vmcache-00000000000000aa"));
        Path share = Files.createDirectories(paths.share("vmcache-00000000000000aa").sandboxDir().resolve("shared"));
        Process qemu = qemuNaming(runDir);
        Files.writeString(runDir.resolve("qemu.pid"), qemu.pid() + "\n");

        assertThat(BootedVmSource.reapOrphans(paths)).isEqualTo(1);

        assertThat(qemu.waitFor(10, TimeUnit.SECONDS)).as("the left-over VM's QEMU is killed").isTrue();
        assertThat(runDir).doesNotExist();
        assertThat(share.getParent()).doesNotExist();
    }

    @Test
    void reapingLeavesHandedOutVmsAndOtherProcessesAlone() throws Exception {
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        // A handed-out VM: its QEMU still names the cache directory it started in, which adoption removed.
        Process adopted = qemuNaming(paths.runDir("vmcache-00000000000000bb"));
        Files.createDirectories(paths.runDir("sandbox-1"));
        // A cache directory whose pid file names a process that is not its QEMU (a recycled pid).
        Path runDir = Files.createDirectories(paths.runDir("vmcache-00000000000000cc"));
        Process stranger = new ProcessBuilder("sleep", "60").start();
        Files.writeString(runDir.resolve("qemu.pid"), stranger.pid() + "\n");
        try {
            assertThat(BootedVmSource.reapOrphans(paths)).isEqualTo(1);

            assertThat(adopted.isAlive()).isTrue();
            assertThat(stranger.isAlive()).isTrue();
            assertThat(runDir).doesNotExist();
            assertThat(paths.runDir("sandbox-1")).exists();
        } finally {
            adopted.destroyForcibly();
            stranger.destroyForcibly();
        }
    }

    @Test
    void reapingLeavesTheVmsOfAServerThatStillRuns() throws Exception {
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        Path runDir = Files.createDirectories(paths.runDir("vmcache-00000000000000dd"));
        Process qemu = qemuNaming(runDir);
        Process server = new ProcessBuilder("sh", "-c", "sleep 60", "kata-runtime", "factory", "init").start();
        Files.writeString(runDir.resolve("qemu.pid"), qemu.pid() + "\n");
        Files.writeString(runDir.resolve(BootedVmSource.SERVER_FILE), server.pid() + "\n");
        try {
            assertThat(BootedVmSource.reapOrphans(paths)).isZero();
            assertThat(qemu.isAlive()).isTrue();
            assertThat(runDir).exists();

            server.destroyForcibly().waitFor();
            assertThat(BootedVmSource.reapOrphans(paths)).as("once its server is gone").isEqualTo(1);
            assertThat(qemu.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            qemu.destroyForcibly();
            server.destroyForcibly();
        }
    }

    @Test
    void reapingWithoutARunBaseFindsNothing() {
        SandboxPaths paths = new SandboxPaths(dir.resolve("absent"), dir.resolve("shared"), dir.resolve("sbs"));
        assertThat(BootedVmSource.reapOrphans(paths)).isZero();
    }
}
