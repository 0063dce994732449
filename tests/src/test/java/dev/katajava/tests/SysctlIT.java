package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.CustomSpec;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** linux.sysctl under runc and under our runtime: namespaced ones apply, the others are refused by name. */
class SysctlIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";

    @TempDir
    Path dir;

    private Commands.Result run(String runtime, String name, Map<String, String> sysctls, String script)
            throws Exception {
        String id = "sysctl-" + name + "-" + ProcessHandle.current().pid();
        Path spec = CustomSpec.write(containerd, dir, name, CustomSpec.rootfs(dir, name), script,
                s -> sysctls.forEach(((ObjectNode) s.path("linux"))
                        .putObject("sysctl")::put));
        Commands.Result r = ctr("run", "--rm", "--runtime", runtime, "--config", spec.toString(), id);
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).as(runtime).isEmpty();
        return r;
    }

    @Test
    void namespacedSysctlsApplyInsideTheContainerAsUnderRunc() throws Exception {
        Map<String, String> sysctls = Map.of("net.ipv4.ip_unprivileged_port_start", "80", "kernel.shmmni", "2048");
        String script = "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni";
        for (String runtime : List.of(RUNC, RUNTIME)) {
            Commands.Result r = run(runtime, runtime.equals(RUNC) ? "ok-runc" : "ok-kata", sysctls, script);
            assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
            assertThat(r.stdout()).as(runtime).isEqualTo("80\n2048\n");
        }
    }

    @Test
    void aSysctlOfTheWholeKernelIsRefusedAsUnderRunc() throws Exception {
        for (String runtime : List.of(RUNC, RUNTIME)) {
            Commands.Result r = run(runtime, runtime.equals(RUNC) ? "bad-runc" : "bad-kata",
                    Map.of("vm.swappiness", "10"), "echo must-not-run");
            assertThat(r.exitCode()).as(runtime).isNotZero();
            assertThat(r.stdout()).doesNotContain("must-not-run");
            assertThat(r.stderr()).as(runtime).contains("vm.swappiness").contains("is not in a separate kernel namespace");
        }
    }
}
