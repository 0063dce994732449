package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The start action as containerd runs it: a new sandbox's start goes on as the shim daemon, in a session of
 * its own and holding nothing of containerd's start; a start that cannot serve says why.
 */
class ShimStartIT extends ContainerdTest {
    /** State, parent, process group, then the session. */
    private static final Pattern AFTER_COMMAND = Pattern.compile("\\) \\S+ \\S+ \\S+ (\\d+)");

    @Test
    void aNewSandboxsStartGoesOnAsTheShimInItsOwnSessionHoldingNoneOfContainerdsPipes() throws Exception {
        String id = "e2e-start-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600");
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).isEmpty();

        Path bundle = containerd.state().resolve("io.containerd.runtime.v2.task")
                .resolve(PrivateContainerd.NAMESPACE).resolve(id);
        long shim = Long.parseLong(Files.readString(bundle.resolve("shim.pid")).strip());
        assertThat(ProcessHandle.of(shim)).as("the shim named in shim.pid").isPresent();
        assertThat(ProcessHandle.of(shim).orElseThrow().info().commandLine().orElse(""))
                .contains("dev.katajava.shim.ShimMain").contains("-id " + id).endsWith("start");
        assertThat(sessionOf(shim)).as("session id").isEqualTo(Long.toString(shim));
        assertThat(fd(shim, 0)).isEqualTo("/dev/null");
        assertThat(fd(shim, 1)).isEqualTo("/dev/null");
        assertThat(fd(shim, 2)).isIn("/dev/null", bundle.resolve("log").toString());
        assertThat(Files.readString(bundle.resolve("address")).strip()).startsWith("unix:///run/containerd/s/");

        Commands.Result exec = ctr("task", "exec", "--exec-id", "probe", id, "echo", "served");
        assertThat(exec.stdout()).as(exec.describe()).isEqualTo("served\n");
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aPodContainerWhoseSandboxHasNoShimFailsTheStartWithTheReason() throws Exception {
        String id = "e2e-orphan-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME,
                "--annotation", "io.kubernetes.cri.container-type=container",
                "--annotation", "io.kubernetes.cri.sandbox-id=no-such-sandbox", image, id, "true");
        assertThat(run.exitCode()).as(run.describe()).isNotZero();
        assertThat(run.stderr()).contains("sandbox no-such-sandbox of container " + id + " has no running shim");
        ctr("container", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    /** The session id, the fourth field after the command name in /proc/pid/stat. */
    private static String sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        Matcher m = AFTER_COMMAND.matcher(stat.substring(stat.lastIndexOf(')')));
        assertThat(m.lookingAt()).as(stat).isTrue();
        return m.group(1);
    }

    private static String fd(long pid, int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
    }
}
