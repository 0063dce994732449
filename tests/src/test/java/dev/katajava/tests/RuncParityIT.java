package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.PrivateContainerd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same commands under runc and under our runtime must end with the same exit status and output. */
class RuncParityIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static Commands.Result run(String runtime, String id, String script) throws Exception {
        return containerd.ctr(List.of("run", "--rm", "--runtime", runtime, image, id, "sh", "-c", script),
                Duration.ofMinutes(3));
    }

    @Test
    void exitStatusesAndOutputMatchRunc() throws Exception {
        List<String> scripts = List.of(
                "exit 0",
                "exit 42",
                "sh -c 'kill -9 $$'; echo child-status=$?",
                "kill -9 $$",
                "echo out; echo err >&2; false",
                "/no/such/binary; echo status=$?",
                "id -u; id -g; pwd; echo $HOME");
        List<String> differences = new ArrayList<>();
        int n = 0;
        for (String script : scripts) {
            String base = "e2e-parity-" + ProcessHandle.current().pid() + "-" + n++;
            Commands.Result runc = run(RUNC, base + "-runc", script);
            Commands.Result kata = run(RUNTIME, base + "-kata", script);
            if (runc.exitCode() != kata.exitCode() || !runc.stdout().equals(kata.stdout())) {
                differences.add(script + ": runc exit " + runc.exitCode() + " " + runc.stdout().strip()
                        + " | kata exit " + kata.exitCode() + " " + kata.stdout().strip());
            }
        }
        assertThat(differences).isEmpty();
    }

    @Test
    void psListsTheTaskAndCheckpointIsRefusedAsUnimplemented() throws Exception {
        String id = "e2e-ps-" + ProcessHandle.current().pid();
        assertThat(containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600"),
                Duration.ofMinutes(3)).exitCode()).isZero();
        Commands.Result ps = containerd.ctr(List.of("task", "ps", id), Duration.ofSeconds(30));
        assertThat(ps.exitCode()).as(ps.describe()).isZero();
        assertThat(ps.stdout().lines().skip(1).toList()).hasSize(1);
        Commands.Result checkpoint = containerd.ctr(List.of("task", "checkpoint", id), Duration.ofSeconds(30));
        assertThat(checkpoint.exitCode()).isNotZero();
        assertThat(checkpoint.stderr()).containsIgnoringCase("not implemented");
        removeTask(id);
    }
}
