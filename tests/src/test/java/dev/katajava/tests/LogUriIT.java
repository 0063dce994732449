package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctr run --log-uri}: output to a file, or to a logging binary. */
class LogUriIT extends ContainerdTest {
    @TempDir
    Path dir;

    @Test
    void fileUriCollectsStdoutAndStderr() throws Exception {
        String id = "e2e-logfile-" + ProcessHandle.current().pid();
        Path log = dir.resolve("sub/c.log");
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", RUNTIME, "--log-uri", "file://" + log,
                image, id, "sh", "-c", "echo to-out; echo to-err >&2"), Duration.ofMinutes(3));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(Files.readAllLines(log)).containsExactlyInAnyOrder("to-out", "to-err");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void binaryUriRunsTheLoggerWithTheContainersIdentityAndStreams() throws Exception {
        String id = "e2e-logbin-" + ProcessHandle.current().pid();
        Path out = dir.resolve("logger.out");
        Path logger = dir.resolve("logger.sh");
        Files.writeString(logger, """
                #!/bin/sh
                echo "identity $CONTAINER_NAMESPACE $CONTAINER_ID $*" > "%1$s"
                exec 5>&-
                sed 's/^/stdout: /' <&3 >> "%1$s" &
                sed 's/^/stderr: /' <&4 >> "%1$s"
                wait
                """.formatted(out));
        Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", RUNTIME,
                "--log-uri", "binary://" + logger + "?tag=e2e", image, id,
                "sh", "-c", "echo first; echo second >&2"), Duration.ofMinutes(3));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.getFirst()).isEqualTo("identity " + PrivateContainerd.NAMESPACE + " " + id + " tag e2e");
        assertThat(lines).contains("stdout: first", "stderr: second");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
