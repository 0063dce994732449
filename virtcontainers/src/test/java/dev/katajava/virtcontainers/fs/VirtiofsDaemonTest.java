package dev.katajava.virtcontainers.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.config.VirtioFsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtiofsDaemonTest {
    @TempDir
    Path dir;

    /** A stand-in daemon: runs {@code body} with the socket path in $sock. */
    private VirtioFsConfig fake(String body) throws IOException {
        Path script = Files.writeString(dir.resolve("fake-virtiofsd"), """
                #!/bin/sh
                for a in "$@"; do case "$a" in --socket-path=*) sock="${a#--socket-path=}";; esac; done
                """ + body);
        script.toFile().setExecutable(true);
        return new VirtioFsConfig(script, "auto", List.of());
    }

    @Test
    void theCommandLineGivesSocketSourceAndCacheBeforeTheExtraArgs() {
        VirtioFsConfig config = new VirtioFsConfig(Path.of("/usr/libexec/virtiofsd"), "none",
                List.of("--thread-pool-size=1", "-o", "announce_submounts"));

        assertThat(VirtiofsDaemon.command(config, Path.of("/run/vc/vm/sb/vhost-fs.sock"), Path.of("/sh")))
                .containsExactly("/usr/libexec/virtiofsd", "--socket-path=/run/vc/vm/sb/vhost-fs.sock",
                        "-o", "source=/sh", "-o", "cache=none", "--thread-pool-size=1", "-o", "announce_submounts");
    }

    @Test
    void startReturnsOnceTheSocketExistsAndStopEndsTheDaemonAndItsChildren() throws Exception {
        // The child first: start returns as soon as the socket exists, and the child must be there by then.
        VirtioFsConfig config = fake("sleep 60 & touch \"$sock\"; wait\n");

        VirtiofsDaemon daemon = VirtiofsDaemon.start(config, dir, dir, "sb", Duration.ofSeconds(5));

        assertThat(dir.resolve(VirtiofsDaemon.SOCKET)).exists();
        assertThat(dir.resolve(VirtiofsDaemon.PID_FILE)).hasContent(Long.toString(daemon.pid()));
        ProcessHandle handle = ProcessHandle.of(daemon.pid()).orElseThrow();
        List<ProcessHandle> children = handle.descendants().toList();
        assertThat(children).isNotEmpty();

        daemon.stop();

        assertThat(handle.isAlive()).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
        assertThat(dir.resolve(VirtiofsDaemon.PID_FILE)).doesNotExist();
    }

    @Test
    void aDaemonThatExitsEarlyFailsTheStartQuotingItsStderr() throws Exception {
        VirtioFsConfig config = fake("echo 'source is not a directory' >&2; exit 1\n");

        assertThatThrownBy(() -> VirtiofsDaemon.start(config, dir, dir, "sb", Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exited with code 1")
                .hasMessageContaining("source is not a directory");
        assertThat(dir.resolve(VirtiofsDaemon.PID_FILE)).doesNotExist();
    }

    @Test
    void aDaemonThatNeverCreatesItsSocketIsKilledAfterTheWait() throws Exception {
        Path pid = dir.resolve("pid-of-fake");
        VirtioFsConfig config = fake("echo $$ > " + pid + "; exec sleep 60\n");

        assertThatThrownBy(() -> VirtiofsDaemon.start(config, dir, dir, "sb", Duration.ofMillis(500)))
                .hasMessageContaining("did not create");
        long fakePid = Long.parseLong(Files.readString(pid).strip());
        assertThat(ProcessHandle.of(fakePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}
