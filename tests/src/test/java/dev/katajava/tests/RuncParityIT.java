package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same commands under runc and under our runtime must end with the same exit status and output. */
class RuncParityIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static Commands.Result run(String runtime, String id, String script, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
        args.addAll(List.of(flags));
        args.addAll(List.of(image, id, "sh", "-c", script));
        return containerd.ctr(args, Duration.ofMinutes(3));
    }

    /** Runs {@code scripts} under runc and under our runtime; returns how they differ (empty when alike). */
    private static List<String> compare(String name, List<String> scripts, String... flags) throws Exception {
        List<String> differences = new ArrayList<>();
        int n = 0;
        for (String script : scripts) {
            String base = "e2e-" + name + "-" + ProcessHandle.current().pid() + "-" + n++;
            Commands.Result runc = run(RUNC, base + "-runc", script, flags);
            Commands.Result kata = run(RUNTIME, base + "-kata", script, flags);
            if (runc.exitCode() != kata.exitCode() || !runc.stdout().equals(kata.stdout())) {
                differences.add(script + ": runc exit " + runc.exitCode() + " " + runc.stdout().strip()
                        + " | kata exit " + kata.exitCode() + " " + kata.stdout().strip());
            }
        }
        return differences;
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
        List<String> differences = compare("parity", scripts);
        assertThat(differences).isEmpty();
    }

    @Test
    void seccompProfilesAreEnforcedAsUnderRunc(@TempDir Path dir) throws Exception {
        // containerd's default profile: filtered, and namespaces cannot be made without CAP_SYS_ADMIN.
        List<String> differences = new ArrayList<>(compare("seccomp", List.of(
                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/d && echo mkdir-ok;"
                        + " unshare -U true 2>/dev/null; echo unshare=$?"), "--seccomp"));
        // A custom profile: everything allowed but mkdir/mkdirat, which fail with ENOSYS.
        Path profile = Files.writeString(dir.resolve("profile.json"), """
                {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
                 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}
                """);
        differences.addAll(compare("profile", List.of("mkdir /tmp/d 2>&1; echo mkdir=$?; touch /tmp/f && echo touch-ok"),
                "--seccomp", "--seccomp-profile", profile.toString()));
        assertThat(differences).isEmpty();
    }

    @Test
    void psListsTheTaskAndCheckpointIsRefusedAsUnimplemented() throws Exception {
        String id = "e2e-ps-" + ProcessHandle.current().pid();
        Commands.Result run = containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600"),
                Duration.ofMinutes(3));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        Commands.Result ps = containerd.ctr(List.of("task", "ps", id), Duration.ofSeconds(30));
        assertThat(ps.exitCode()).as(ps.describe()).isZero();
        assertThat(ps.stdout().lines().skip(1).toList()).hasSize(1);
        Commands.Result checkpoint = containerd.ctr(List.of("task", "checkpoint", id), Duration.ofSeconds(30));
        assertThat(checkpoint.exitCode()).isNotZero();
        assertThat(checkpoint.stderr()).containsIgnoringCase("not implemented");
        removeTask(id);
    }
}
