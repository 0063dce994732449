package dev.katajava.virtcontainers.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.MountInfo;
import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.config.VirtioFsConfig;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts: runs as root, as the runtime does. The daemon is a stand-in that records its arguments. */
class VirtioFsShareTest {
    @TempDir
    Path tmp;

    private VirtioFsShare share(Path runDir) throws Exception {
        Path script = Files.writeString(tmp.resolve("fake-virtiofsd"), """
                #!/bin/sh
                echo "$@" > "$(dirname "$0")/args"
                for a in "$@"; do case "$a" in --socket-path=*) touch "${a#--socket-path=}";; esac; done
                exec sleep 60
                """);
        script.toFile().setExecutable(true);
        return new VirtioFsShare(SandboxShareLayout.of(tmp.resolve("base"), "sb"), runDir,
                new VirtioFsConfig(script, "always", List.of("-o", "xattr")));
    }

    @Test
    void startBackendStartsTheDaemonOnTheReadOnlySharedViewAndCleanupStopsIt() throws Exception {
        Path runDir = Files.createDirectory(tmp.resolve("run"));
        VirtioFsShare share = share(runDir);

        share.prepare();
        assertThat(runDir.resolve(VirtiofsDaemon.PID_FILE)).as("no daemon before a launch asks for one").doesNotExist();
        share.startBackend();
        long pid = Long.parseLong(Files.readString(runDir.resolve(VirtiofsDaemon.PID_FILE)).strip());
        Path shared = SandboxShareLayout.of(tmp.resolve("base"), "sb").shared();
        assertThat(Files.readString(tmp.resolve("args")).strip()).isEqualTo("--socket-path=" + runDir.resolve(
                "vhost-fs.sock") + " -o source=" + shared + " -o cache=always -o xattr");
        assertThat(share.device()).isEqualTo(ShareDevice.virtioFs(runDir.resolve("vhost-fs.sock")));

        share.cleanup();

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(MountInfo.mountsUnder(tmp)).isEmpty();
    }

    @Test
    void eachLaunchGetsAFreshDaemonAndTheEarlierOneIsStopped() throws Exception {
        Path runDir = Files.createDirectory(tmp.resolve("run"));
        VirtioFsShare share = share(runDir);
        share.prepare();
        share.startBackend();
        long first = Long.parseLong(Files.readString(runDir.resolve(VirtiofsDaemon.PID_FILE)).strip());

        share.startBackend();
        long second = Long.parseLong(Files.readString(runDir.resolve(VirtiofsDaemon.PID_FILE)).strip());

        assertThat(second).isNotEqualTo(first);
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isTrue();
        share.cleanup();
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void theGuestMountsTheShareByItsTagAsVirtiofsAsKataSendsIt() throws Exception {
        Storage storage = share(tmp).guestStorage();

        assertThat(storage.getDriver()).isEqualTo("virtio-fs");
        assertThat(storage.getSource()).isEqualTo("kataShared");
        assertThat(storage.getFstype()).isEqualTo("virtiofs");
        assertThat(storage.getMountPoint()).isEqualTo(SandboxShareLayout.GUEST_SHARED_DIR);
    }
}
