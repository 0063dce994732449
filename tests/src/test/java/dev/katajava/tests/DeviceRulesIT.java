package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device rules and device nodes, the same commands under runc and in a VM through one containerd. The one
 * difference a VM makes: the devices a container can be given are the guest's, not the host's.
 */
class DeviceRulesIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";

    private static Commands.Result run(String runtime, String name, String script, String... flags) throws Exception {
        String id = "e2e-dev-" + name + "-" + (runtime.equals(RUNC) ? "runc" : "kata") + "-" + ProcessHandle.current().pid();
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
        args.addAll(List.of(flags));
        args.addAll(List.of(image, id, "sh", "-c", script));
        Commands.Result result = ctr(args.toArray(String[]::new));
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
        return result;
    }

    @Test
    void containerdsDefaultRulesDenyOtherDevicesAndAllowTheStandardNodesAsUnderRunc() throws Exception {
        String script = "sh -c 'mknod /dev/myser c 4 64 && echo x > /dev/myser' 2>&1; echo myser=$?;"
                + " head -c 8 /dev/null | wc -c; head -c 8 /dev/zero | wc -c; head -c 8 /dev/urandom | wc -c;"
                + " sh -c 'echo x > /dev/full' 2>&1; echo full=$?;"
                + " stat -c '%F %t:%T' /dev/pts/ptmx; ls /dev/pts/ptmx && echo pts=ok";
        Commands.Result runc = run(RUNC, "default", script);
        Commands.Result kata = run(RUNTIME, "default", script);

        assertThat(kata.exitCode()).as(kata.describe()).isZero();
        assertThat(kata.stdout()).as(kata.describe()).contains("Operation not permitted").contains("myser=1")
                .contains("0\n8\n8\n").contains("No space left on device").contains("full=1")
                .contains("character special file 5:2").contains("pts=ok");
        assertThat(kata.stdout()).isEqualTo(runc.stdout());
    }

    @Test
    void aDeviceTheGuestHasIsCreatedWithItsNumbersAndCanBeOpened() throws Exception {
        String script = "stat -c '%F %t:%T %a' /dev/fuse; exec 3<>/dev/fuse && echo open=ok";
        Commands.Result runc = run(RUNC, "fuse", script, "--device", "/dev/fuse");
        Commands.Result kata = run(RUNTIME, "fuse", script, "--device", "/dev/fuse");

        assertThat(kata.exitCode()).as(kata.describe()).isZero();
        assertThat(kata.stdout()).contains("character special file a:e5").contains("open=ok");
        assertThat(kata.stdout()).isEqualTo(runc.stdout());
    }

    @Test
    void aDeviceTheGuestLacksFailsTheRunNamingIt(@TempDir Path dir) throws Exception {
        // A host node with numbers no kernel assigns: the guest has no such device.
        Path node = dir.resolve("nodev");
        Commands.Result made = Commands.run(List.of("mknod", node.toString(), "c", "4095", "4095"), Map.of(),
                Duration.ofSeconds(10));
        assertThat(made.exitCode()).as(made.describe()).isZero();

        Commands.Result kata = run(RUNTIME, "missing", "echo started", "--device", node.toString());

        assertThat(kata.exitCode()).as(kata.describe()).isNotZero();
        assertThat(kata.stdout() + kata.stderr()).doesNotContain("started").contains(node.toString())
                .contains("c 4095:4095").contains("does not exist in the guest");
    }

    @Test
    void aPrivilegedContainerMayUseAnyDeviceButGetsNoHostNodesInAVm() throws Exception {
        String script = "mknod /dev/myser c 4 64 && echo made; ls /dev/fuse >/dev/null 2>&1 && echo host-nodes; true";
        Commands.Result runc = run(RUNC, "priv", script, "--privileged");
        Commands.Result kata = run(RUNTIME, "priv", script, "--privileged");

        assertThat(runc.stdout()).contains("made").contains("host-nodes");
        assertThat(kata.exitCode()).as(kata.describe()).isZero();
        assertThat(kata.stdout()).isEqualTo("made\n");
    }
}
