package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.CriConfigs;
import dev.katajava.tests.support.CriTest;
import dev.katajava.tests.support.HostSocketServer;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host daemon's Unix socket reached from a Kubernetes pod through a hostPath volume, as the kubelet sets it
 * up through containerd's CRI plugin: the same requests from a kata pod and a runc pod get the same answers.
 */
class CriHostSocketsIT extends CriTest {
    private static final long MIB = 1L << 20;

    @TempDir
    static Path tools;
    private static Path sockcat;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildClient() throws Exception {
        Path source = tools.resolve("sockcat.c");
        try (var in = CriHostSocketsIT.class.getResourceAsStream("sockcat.c")) {
            Files.copy(in, source);
        }
        sockcat = tools.resolve("sockcat");
        Commands.Result cc = Commands.run(List.of("gcc", "-static", "-O2", "-o", sockcat.toString(),
                source.toString()), Map.of(), Duration.ofMinutes(2));
        assertThat(cc.exitCode()).as(cc.describe()).isZero();
    }

    @Test
    void aPodReachesAHostSocketThroughAHostPathVolumeAsUnderRunc() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sockets = dir.resolve("sockets");
        Files.createDirectories(sockets);
        String script = "stat -c '%n %a %F' /run/daemon/api.sock;"
                + " printf 'ECHO\\nhello from a pod\\n' | /sockcat /run/daemon/api.sock; echo rc=$?;"
                + " for i in $(seq 1 10); do (printf 'GEN " + MIB + "\\n' | /sockcat /run/daemon/api.sock | wc -c"
                + " > /tmp/gen.$i) & done; wait; cat /tmp/gen.* | sort | uniq -c;"
                + " printf 'GEN " + 64 * MIB + "\\n' | /sockcat /run/daemon/api.sock"
                + " | { printf 'SINK\\n'; cat; } | /sockcat /run/daemon/api.sock";
        try (HostSocketServer server = HostSocketServer.start(sockets.resolve("api.sock"))) {
            String runc = runIn(RUNC, sockets, script);
            String kata = runIn(KATA, sockets, script);
            assertThat(runc).startsWith("/run/daemon/api.sock ")
                    .contains("hello from a pod\nrc=0\n")
                    .contains("10 " + MIB + "\n")
                    .endsWith(HostSocketServer.generatedSha256(64 * MIB) + " " + 64 * MIB + "\n");
            assertThat(kata).isEqualTo(runc);
            assertThat(server.accepted()).isGreaterThanOrEqualTo(2 * 13);
        }
    }

    /** Runs {@code script} by ExecSync in a pod of {@code handler} with the socket directory as a hostPath volume. */
    private String runIn(String handler, Path sockets, String script) throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("hostsock-" + handler, logRoot).build();
        String podId = runPod(pod, handler);
        String c = cri.runContainer(podId, pod, CriConfigs.container("client", image, "sleep", "600")
                .addMounts(CriConfigs.hostPath(sockets, "/run/daemon", true))
                .addMounts(CriConfigs.hostPath(sockcat, "/sockcat", true))
                .build());
        String out = cri.exec(c, "sh", "-c", script);
        // Removed here, not after the test: the leak check sees every pod containerd still runs.
        removePod(podId);
        assertThat(Leaks.awaitNone(podId, containerd, Duration.ofSeconds(30))).as(handler).isEmpty();
        return out;
    }
}
