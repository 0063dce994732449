package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.Mounts;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's input: length-prefixed records, decoded here the way nsexec reads them. */
class LaunchConfigTest {
    private static final Path SYNC = Path.of("/state/c1/sync");
    private static final Path EXEC = Path.of("/state/c1/exec");
    private static final Path CGROUP = Path.of("/sys/fs/cgroup/kata/c1");

    /** Splits {@code KEY LEN\n<LEN bytes>\n} records, checking each length and terminator. */
    static List<Map.Entry<String, String>> records(byte[] config) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        int pos = 0;
        while (pos < config.length) {
            int space = indexOf(config, (byte) ' ', pos);
            int newline = indexOf(config, (byte) '\n', space);
            String key = new String(config, pos, space - pos, StandardCharsets.US_ASCII);
            int len = Integer.parseInt(new String(config, space + 1, newline - space - 1, StandardCharsets.US_ASCII));
            int value = newline + 1;
            assertThat(config[value + len]).as("terminator of " + key).isEqualTo((byte) '\n');
            out.add(Map.entry(key, new String(config, value, len, StandardCharsets.UTF_8)));
            pos = value + len + 1;
        }
        return out;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no terminator after byte " + from);
    }

    private static List<String> values(List<Map.Entry<String, String>> records, String key) {
        return records.stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    private static Spec.Builder spec() {
        return Spec.newBuilder()
                .setRoot(Root.newBuilder().setPath("/run/kata-containers/shared/containers/c1/rootfs"))
                .setHostname("c1")
                .setProcess(Process.newBuilder().addArgs("sh").addArgs("-c").addArgs("echo hello")
                        .addEnv("PATH=/bin").setCwd("/work")
                        .setUser(User.newBuilder().setUID(1000).setGID(100).addAdditionalGids(5).addAdditionalGids(6)))
                .setLinux(Linux.newBuilder()
                        .addNamespaces(LinuxNamespace.newBuilder().setType("pid"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("ipc"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("uts"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("mount"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("network")));
    }

    @Test
    void carriesArgumentsAndEnvironmentByteExactWhateverTheyContain() throws Exception {
        List<String> args = List.of("printf", "a\nb", "two words", "", "ünïcode ✓", "12 3\n");
        Spec s = spec().setProcess(spec().getProcess().toBuilder().clearArgs().addAllArgs(args)
                .addEnv("MULTI=line1\nline2")).build();

        var records = records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP));

        assertThat(values(records, "arg")).containsExactlyElementsOf(args);
        assertThat(values(records, "env")).containsExactly("PATH=/bin", "MULTI=line1\nline2");
    }

    @Test
    void mapsTheSpecToLauncherRecords() throws Exception {
        var records = records(LaunchConfig.forContainer("c1", spec().build(), SYNC, EXEC, true, CGROUP));

        assertThat(values(records, "ns")).containsExactly("pid", "ipc", "uts", "mount");
        assertThat(values(records, "rootfs")).containsExactly("/run/kata-containers/shared/containers/c1/rootfs");
        assertThat(values(records, "nopivot")).containsExactly("1");
        assertThat(values(records, "hostname")).containsExactly("c1");
        assertThat(values(records, "cwd")).containsExactly("/work");
        assertThat(values(records, "uid")).containsExactly("1000");
        assertThat(values(records, "gid")).containsExactly("100");
        assertThat(values(records, "gids")).containsExactly("5,6");
        assertThat(values(records, "sync")).containsExactly(SYNC.toString());
        assertThat(values(records, "exec")).containsExactly(EXEC.toString());
    }

    @Test
    void anEmptyCwdIsTheRootAndPivotIsTheDefault() throws Exception {
        Spec s = spec().setProcess(spec().getProcess().toBuilder().clearCwd()).build();
        var records = records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP));
        assertThat(values(records, "cwd")).containsExactly("/");
        assertThat(values(records, "nopivot")).isEmpty();
    }

    @Test
    void turnsMountOptionsIntoFlagsDataAndPropagationInSpecOrder() throws Exception {
        Spec s = spec()
                .addMounts(Mount.newBuilder().setDestination("/dev").setType("tmpfs").setSource("tmpfs")
                        .addAllOptions(List.of("nosuid", "strictatime", "mode=755", "size=65536k")))
                .addMounts(Mount.newBuilder().setDestination("/sys").setType("sysfs").setSource("sysfs")
                        .addAllOptions(List.of("nosuid", "noexec", "nodev", "ro")))
                .addMounts(Mount.newBuilder().setDestination("/etc/hosts").setType("bind").setSource("/run/x/hosts")
                        .addAllOptions(List.of("rbind", "ro", "rslave")))
                .build();

        List<String> mounts = values(records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP)), "mount");

        assertThat(mounts).containsExactly(
                "tmpfs\t/dev\ttmpfs\t" + (Mounts.MS_NOSUID | Mounts.MS_STRICTATIME) + "\tmode=755,size=65536k\t0",
                "sysfs\t/sys\tsysfs\t" + (Mounts.MS_NOSUID | Mounts.MS_NOEXEC | Mounts.MS_NODEV | Mounts.MS_RDONLY)
                        + "\t\t0",
                "/run/x/hosts\t/etc/hosts\t\t" + (Mounts.MS_BIND | Mounts.MS_REC | Mounts.MS_RDONLY) + "\t\t"
                        + (Mounts.MS_SLAVE | Mounts.MS_REC));
    }

    @Test
    void aCgroupMountOfEitherVersionIsTheContainersOwnCgroup2GroupInACgroupNamespace() throws Exception {
        Spec s = spec().addMounts(Mount.newBuilder().setDestination("/sys/fs/cgroup").setType("cgroup")
                .setSource("cgroup").addAllOptions(List.of("nosuid", "noexec", "nodev", "relatime", "ro", "cpu")))
                .build();

        var records = records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP));

        assertThat(values(records, "cgroup")).containsExactly(CGROUP.toString());
        assertThat(values(records, "cgroupns")).containsExactly("1");
        assertThat(values(records, "mount")).containsExactly("cgroup2\t/sys/fs/cgroup\tcgroup2\t"
                + (Mounts.MS_NOSUID | Mounts.MS_NOEXEC | Mounts.MS_NODEV | Mounts.MS_RELATIME | Mounts.MS_RDONLY)
                + "\t\t0");
    }

    @Test
    void aPodMemberJoinsTheSandboxsIpcAndUtsNamespacesAndGetsItsOwnOthers() throws Exception {
        Spec s = spec().setLinux(Linux.newBuilder()
                .addNamespaces(LinuxNamespace.newBuilder().setType("ipc"))
                .addNamespaces(LinuxNamespace.newBuilder().setType("uts"))
                .addNamespaces(LinuxNamespace.newBuilder().setType("pid"))
                .addNamespaces(LinuxNamespace.newBuilder().setType("mount"))).build();

        var records = records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP, 42));

        assertThat(values(records, "nsjoin")).containsExactly("ipc 42", "uts 42");
        assertThat(values(records, "ns")).containsExactly("pid", "mount");
    }

    @Test
    void withoutACgroupMountOrNamespaceTheInitJoinsItsGroupInTheVmsCgroupNamespace() throws Exception {
        var records = records(LaunchConfig.forContainer("c1", spec().build(), SYNC, EXEC, false, CGROUP));

        assertThat(values(records, "cgroup")).containsExactly(CGROUP.toString());
        assertThat(values(records, "cgroupns")).isEmpty();
    }

    @Test
    void rootfsPropagationBecomesFlagsForTheLauncher() throws Exception {
        Spec.Builder s = spec();
        s.setLinux(s.getLinux().toBuilder().setRootfsPropagation("rslave"));

        assertThat(values(records(LaunchConfig.forContainer("c1", s.build(), SYNC, EXEC, false, CGROUP)), "rootprop"))
                .containsExactly(Long.toString(Mounts.MS_SLAVE | Mounts.MS_REC));
    }

    @Test
    void namesRlimitsByTheirLinuxNumbers() throws Exception {
        Spec s = spec().setProcess(spec().getProcess().toBuilder()
                .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_NOFILE").setSoft(1024).setHard(4096))).build();
        assertThat(values(records(LaunchConfig.forContainer("c1", s, SYNC, EXEC, false, CGROUP)), "rlimit"))
                .containsExactly("7 1024 4096");
    }

    @Test
    void anExecJoinsTheInitInsteadOfMakingARoot() throws Exception {
        var records = records(LaunchConfig.forExec(spec().getProcess(), Linux.getDefaultInstance(), 4242, SYNC, EXEC));
        assertThat(values(records, "join")).containsExactly("4242");
        assertThat(values(records, "rootfs")).isEmpty();
        assertThat(values(records, "ns")).isEmpty();
        assertThat(values(records, "arg")).containsExactly("sh", "-c", "echo hello");
    }

    @Test
    void refusesWhatTheLauncherCannotDo() {
        Spec userNs = spec().setLinux(spec().getLinux().toBuilder()
                .addNamespaces(LinuxNamespace.newBuilder().setType("user"))).build();
        assertThatThrownBy(() -> LaunchConfig.forContainer("c1", userNs, SYNC, EXEC, false, CGROUP))
                .hasMessage("namespace \"user\" is not supported in the guest");

        Spec nulArg = spec().setProcess(spec().getProcess().toBuilder().addArgs("a\0b")).build();
        assertThatThrownBy(() -> LaunchConfig.forContainer("c1", nulArg, SYNC, EXEC, false, CGROUP))
                .hasMessage("arg \"a\\0b\" contains a NUL byte")
                .satisfies(e -> assertThat(((ContainerException) e).kind()).isEqualTo(ContainerException.Kind.INVALID));

        Spec badRlimit = spec().setProcess(spec().getProcess().toBuilder()
                .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_FLY"))).build();
        assertThatThrownBy(() -> LaunchConfig.forContainer("c1", badRlimit, SYNC, EXEC, false, CGROUP))
                .hasMessage("unknown rlimit type \"RLIMIT_FLY\"");
    }
}
