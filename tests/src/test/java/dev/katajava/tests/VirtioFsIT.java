package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox share over virtio-fs, served by the host's virtiofsd. */
class VirtioFsIT extends ContainerdTest {
    /** Where Debian's qemu-system-common (QEMU 7.2, C daemon) and the Rust virtiofsd package put it. */
    private static final List<Path> DAEMONS = List.of(Path.of("/usr/lib/qemu/virtiofsd"),
            Path.of("/usr/libexec/virtiofsd"));

    @TempDir
    Path dir;

    private Path virtioFsConfig() throws Exception {
        Path daemon = DAEMONS.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("no virtiofsd in " + DAEMONS + "; scripts/deps.sh installs it"));
        String text = Files.readString(E2eEnvironment.CONFIG).replaceFirst("(?m)^shared_fs = .*$",
                "shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon + "\"\nvirtio_fs_cache = \"auto\"");
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    @Test
    void aContainerReadsItsImageAndWritesABindMountThroughVirtiofsAndTheDaemonIsGoneAfterwards()
            throws Exception {
        String id = "vfs-run-" + ProcessHandle.current().pid();
        Path rw = Files.createDirectories(dir.resolve("rw"));

        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                virtioFsConfig().toString(), "--mount", "type=bind,src=" + rw + ",dst=/rw,options=rbind:rw",
                image, id, "sh", "-c",
                "head -n 1 /etc/passwd; echo from-guest > /rw/out; grep -E ' /( |rw )' /proc/mounts");

        System.out.printf("virtio-fs: ctr run --rm took %d ms%n", run.elapsed().toMillis());
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("root:x:0:0:root:/root:/bin/sh\n")
                .containsPattern("(?m)^kataShared / virtiofs ")
                .containsPattern("(?m)^kataShared /rw virtiofs rw[ ,]");
        assertThat(rw.resolve("out")).hasContent("from-guest");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
        assertThat(virtiofsdsOf(id)).isEmpty();
    }

    /** virtiofsd processes serving the sandbox: their socket is in its run directory. */
    private static List<String> virtiofsdsOf(String sandboxId) {
        String runDir = "/run/vc/vm/" + sandboxId + "/";
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.map(p -> p.info().commandLine().orElse(""))
                    .filter(cmd -> cmd.contains("virtiofsd") && cmd.contains(runDir))
                    .toList();
        }
    }
}
