package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.shim.ShimAddress;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Run after run, nothing accumulates: no process, mount, directory, shim socket or file descriptor. */
class RepeatedRunsIT extends ContainerdTest {
    private static final int RUNS = 4;

    @Test
    void repeatedRunsLeaveNoProcessMountDirectorySocketOrDescriptorBehind() throws Exception {
        String base = "e2e-repeat-" + ProcessHandle.current().pid() + "-";
        // The first run loads what containerd keeps for good (plugins, the image's snapshot, the shim binary
        // lookup); what it holds after that is the baseline every later run must come back to.
        run(base + 0);
        long fdsAfterFirst = openFds(containerd.pid());
        for (int i = 1; i < RUNS; i++) {
            run(base + i);
        }
        for (int i = 0; i < RUNS; i++) {
            Path socket = ShimAddress.socketPath(containerd.socket().toString(), PrivateContainerd.NAMESPACE,
                    base + i);
            assertThat(socket).as("shim socket of run " + i).doesNotExist();
        }
        assertThat(openFds(containerd.pid())).as("containerd's open file descriptors")
                .isLessThanOrEqualTo(fdsAfterFirst);
    }

    private static void run(String id) throws Exception {
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, image, id, "echo", "run " + id);
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).contains("run " + id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).as("leaks of " + id).isEmpty();
    }

    private static long openFds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }
}
