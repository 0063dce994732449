package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.cri.v1.Capability;
import dev.katajava.tests.cri.v1.ContainerConfig;
import dev.katajava.tests.cri.v1.ExecSyncResponse;
import dev.katajava.tests.cri.v1.Int64Value;
import dev.katajava.tests.cri.v1.LinuxContainerConfig;
import dev.katajava.tests.cri.v1.LinuxContainerSecurityContext;
import dev.katajava.tests.cri.v1.LinuxSandboxSecurityContext;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.cri.v1.SecurityProfile;
import dev.katajava.tests.support.CriConfigs;
import dev.katajava.tests.support.CriTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The security contexts a pod spec can ask for, through CRI, under {@code kata} and under {@code runc} (the
 * reference): each container of one pod asks for one thing and reports what it got; both runtimes must
 * report the same, and the values asked for.
 */
class CriSecurityContextIT extends CriTest {
    private static final SecurityProfile RUNTIME_DEFAULT =
            SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();

    @Test
    void kataHonoursEverySecurityContextAsRuncDoes() throws Exception {
        Path profile = Files.createTempFile(logRoot, "deny-mkdir", ".json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
                """);
        Map<String, String> runc = observe(RUNC, profile);
        Map<String, String> kata = observe(KATA, profile);

        // A privileged container gets every capability containerd has (the spec lists them), in the VM too.
        String hostBounding = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().substring("CapBnd:".length());
        assertThat(kata.get("privileged-caps")).isEqualTo("CapEff:" + hostBounding + "\n");
        assertThat(kata).isEqualTo(runc);
        assertThat(kata).containsEntry("ids", "1000\n3000\n3000 4000\n")
                .containsEntry("readonly-rootfs", "1")
                .containsEntry("readonly-rootfs-tmp-volume", "0")
                .containsEntry("no-new-privs", "NoNewPrivs:\t1\n")
                .containsEntry("seccomp-default", "Seccomp:\t2\n")
                .containsEntry("seccomp-unconfined", "Seccomp:\t0\n")
                .containsEntry("seccomp-localhost", "1 mkdir: can't create directory '/tmp/d': Operation not permitted\n")
                .containsEntry("sysctl-ipc", "1\n")
                .containsEntry("sysctl-net", "80\t80\n")
                .containsEntry("hostname", "secure-pod\n");
        // containerd's default set without CHOWN (bit 0), with NET_ADMIN (bit 12).
        assertThat(kata.get("caps")).isEqualTo("CapEff:\t00000000a80435fa\n");
    }

    /** Runs one pod under {@code handler} with a container per context and collects what each reports. */
    private Map<String, String> observe(String handler, Path seccompProfile) throws Exception {
        PodSandboxConfig.Builder builder = CriConfigs.pod("secure-pod", logRoot);
        PodSandboxConfig pod = builder
                .setLinux(builder.getLinux().toBuilder()
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setPrivileged(true))
                        .putSysctls("kernel.shm_rmid_forced", "1")
                        .putSysctls("net.ipv4.ping_group_range", "80 80"))
                .build();
        String podId = runPod(pod, handler);
        Map<String, String> seen = new LinkedHashMap<>();

        String ids = run(podId, pod, "ids", LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(1000)).setRunAsGroup(Int64Value.newBuilder().setValue(3000))
                .addSupplementalGroups(4000));
        seen.put("ids", cri.exec(ids, "sh", "-c", "id -u; id -g; id -G"));

        String ro = run(podId, pod, "ro", LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true));
        seen.put("readonly-rootfs", exitCode(ro, "touch", "/file"));
        seen.put("readonly-rootfs-tmp-volume", exitCode(ro, "sh", "-c", "touch /dev/shm/file"));

        String caps = run(podId, pod, "caps", LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addAddCapabilities("NET_ADMIN").addDropCapabilities("CHOWN")));
        seen.put("caps", cri.exec(caps, "grep", "CapEff", "/proc/self/status"));

        String priv = run(podId, pod, "priv", LinuxContainerSecurityContext.newBuilder().setPrivileged(true));
        seen.put("privileged-caps", cri.exec(priv, "grep", "CapEff", "/proc/self/status"));

        String nnp = run(podId, pod, "nnp", LinuxContainerSecurityContext.newBuilder().setNoNewPrivs(true));
        seen.put("no-new-privs", cri.exec(nnp, "grep", "NoNewPrivs", "/proc/self/status"));

        String def = run(podId, pod, "sec-default", LinuxContainerSecurityContext.newBuilder().setSeccomp(RUNTIME_DEFAULT));
        seen.put("seccomp-default", cri.exec(def, "grep", "^Seccomp:", "/proc/self/status"));
        String unconfined = run(podId, pod, "sec-unconfined", LinuxContainerSecurityContext.newBuilder().setSeccomp(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Unconfined)));
        seen.put("seccomp-unconfined", cri.exec(unconfined, "grep", "^Seccomp:", "/proc/self/status"));
        String local = run(podId, pod, "sec-local", LinuxContainerSecurityContext.newBuilder().setSeccomp(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
                        .setLocalhostRef(seccompProfile.toString())));
        ExecSyncResponse denied = cri.execSync(local, 0, "mkdir", "/tmp/d");
        seen.put("seccomp-localhost", denied.getExitCode() + " " + denied.getStderr().toString(StandardCharsets.UTF_8));

        seen.put("sysctl-ipc", cri.exec(ids, "cat", "/proc/sys/kernel/shm_rmid_forced"));
        seen.put("sysctl-net", cri.exec(ids, "cat", "/proc/sys/net/ipv4/ping_group_range"));
        seen.put("hostname", cri.exec(ids, "hostname"));
        removePod(podId);
        return seen;
    }

    private static String run(String podId, PodSandboxConfig pod, String name,
                              LinuxContainerSecurityContext.Builder security) {
        ContainerConfig config = CriConfigs.container(name, image, "sleep", "600")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(security)).build();
        return cri.runContainer(podId, pod, config);
    }

    private static String exitCode(String container, String... cmd) {
        return Integer.toString(cri.execSync(container, 0, cmd).getExitCode());
    }
}
