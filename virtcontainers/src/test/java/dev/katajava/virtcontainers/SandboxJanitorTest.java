package dev.katajava.virtcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxJanitorTest {
    @TempDir
    Path tmp;

    private Process running;

    @AfterEach
    void killStandIn() {
        if (running != null) {
            running.destroyForcibly();
        }
    }

    /** A long-running process whose command line holds {@code arg}, as a daemon's names its socket. */
    private Process standIn(String arg) throws Exception {
        running = new ProcessBuilder("/bin/sh", "-c", "while :; do sleep 1; done", arg).start();
        return running;
    }

    @Test
    void aLeftoverDaemonInARunDirPidFileIsKilled() throws Exception {
        SandboxPaths paths = new SandboxPaths(tmp.resolve("vm"), tmp.resolve("shared"), tmp.resolve("sbs"));
        Path runDir = Files.createDirectories(paths.runDir("sb"));
        Process daemon = standIn("--socket-path=" + runDir.resolve("vhost-fs.sock"));
        Files.writeString(runDir.resolve("virtiofsd.pid"), daemon.pid() + "\n");

        SandboxJanitor.cleanupSandbox("sb", paths);

        assertThat(daemon.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(runDir).doesNotExist();
    }

    @Test
    void aPidWhoseCommandLineDoesNotNameTheRunDirIsLeftAlone() throws Exception {
        SandboxPaths paths = new SandboxPaths(tmp.resolve("vm"), tmp.resolve("shared"), tmp.resolve("sbs"));
        Path runDir = Files.createDirectories(paths.runDir("sb"));
        Process stranger = standIn("--socket-path=/elsewhere/vhost-fs.sock");
        Files.writeString(runDir.resolve("virtiofsd.pid"), stranger.pid() + "\n");

        SandboxJanitor.cleanupSandbox("sb", paths);

        assertThat(stranger.isAlive()).isTrue();
    }
}
