package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The container library run directly on the host as root: real namespaces, mounts and exec, no VM. */
class ContainerOnHostTest {
    @TempDir
    Path dir;
    Path rootfs;
    Path cgroupRoot;
    private HostFixture fixture;

    @BeforeEach
    void hostFixture() throws Exception {
        fixture = HostFixture.in(dir);
        rootfs = fixture.rootfs();
        cgroupRoot = fixture.cgroupRoot();
    }

    @AfterEach
    void releaseFixture() throws Exception {
        fixture.close();
    }

    private ContainerRuntime runtime(boolean noPivot) {
        return fixture.runtime(noPivot);
    }

    /** The fixture's spec, with an environment variable and a working directory to check. */
    private Spec spec(List<String> args, Mount... mounts) {
        Spec base = fixture.spec(args, mounts);
        return base.toBuilder().setProcess(base.getProcess().toBuilder().addEnv("FOO=bar").setCwd("/bin")).build();
    }

    private static String stdout(ContainerProcess p) throws IOException {
        return new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "noPivot={0}")
    @ValueSource(booleans = {false, true})
    void runsAsPid1WithTheSpecsHostnameCwdAndEnvironmentAndReturnsItsExitCode(boolean noPivot) throws Exception {
        Container c = Container.create("c1", spec(List.of("sh", "-c", "echo $$; hostname; pwd; echo $FOO; exit 3")),
                runtime(noPivot));
        c.start();
        assertThat(stdout(c.init())).isEqualTo("1\nc1\n/bin\nbar\n");
        assertThat(c.waitProcess("")).isEqualTo(3);
        c.destroy(5);
    }

    @ParameterizedTest(name = "noPivot={0}")
    @ValueSource(booleans = {false, true})
    void execRunsInTheContainersNamespacesAndRootWithItsOwnUserAndCwd(boolean noPivot) throws Exception {
        Container c = Container.create("ex", spec(List.of("sleep", "60")), runtime(noPivot));
        c.start();
        Process extra = Process.newBuilder().addAllArgs(List.of("sh", "-c",
                        "hostname; pwd; id -u; id -g; ls /; cat /proc/1/cmdline; exit 5"))
                .addEnv("PATH=/bin").setCwd("/bin").setUser(User.newBuilder().setUID(1000).setGID(100)).build();
        ContainerProcess p = c.exec("e1", extra);
        String out = stdout(p);
        assertThat(out).startsWith("c1\n/bin\n1000\n100\n");
        assertThat(out).contains("100\nbin\ndev\nproc\n");
        assertThat(out).endsWith("sleep\u000060\u0000");
        assertThat(c.waitProcess("e1")).isEqualTo(5);
        assertThatThrownBy(() -> c.process("e1")).hasMessageContaining("not found");
        c.destroy(5);
    }

    @Test
    void theContainerRunsInItsCgroupWhichFreezesAndThaws() throws Exception {
        Spec spec = spec(List.of("sh", "-c", "while true; do sleep 0.05; done"));
        spec = spec.toBuilder().setLinux(spec.getLinux().toBuilder().setCgroupsPath("/tests/frz")).build();
        Container c = Container.create("frz", spec, runtime(false));
        c.start();
        Path cg = cgroupRoot.resolve("tests/frz");
        assertThat(c.cgroup().pids()).contains(c.init().pid());
        c.cgroup().freeze(true);
        assertThat(Files.readAllLines(cg.resolve("cgroup.events"))).contains("frozen 1");
        c.cgroup().freeze(false);
        assertThat(Files.readAllLines(cg.resolve("cgroup.events"))).contains("frozen 0");
        ContainerProcess e = c.exec("in-cg", Process.newBuilder().addAllArgs(List.of("sleep", "5")).addEnv("PATH=/bin")
                .setUser(User.newBuilder()).build());
        assertThat(c.cgroup().pids()).contains(e.pid());
        c.destroy(5);
        assertThat(cg).doesNotExist();
    }

    @Test
    void aTerminalProcessGetsAPtyOfTheContainersDevptsAsItsControllingTerminalWithTheRequestedSize()
            throws Exception {
        Spec spec = spec(List.of("sh", "-c", "[ -t 0 ] && echo in; [ -t 1 ] && echo out; tty; stty size; echo done"),
                devpts());
        spec = spec.toBuilder().setProcess(spec.getProcess().toBuilder().setTerminal(true)).build();
        Container c = Container.create("tty", spec, runtime(false));
        c.init().resize(33, 101);
        c.start();
        String out = stdout(c.init()).replace("\r", "");
        assertThat(out).isEqualTo("in\nout\n/dev/pts/0\n33 101\ndone\n");
        assertThat(c.waitProcess("")).isZero();
        c.destroy(5);
    }

    @Test
    void anExecWithATerminalGetsTheNextPtyOfTheContainersDevpts() throws Exception {
        Spec spec = spec(List.of("sh", "-c", "tty; sleep 30"), devpts());
        spec = spec.toBuilder().setProcess(spec.getProcess().toBuilder().setTerminal(true)).build();
        Container c = Container.create("ttyexec", spec, runtime(false));
        try {
            c.start();
            var exec = spec.getProcess().toBuilder().clearArgs().addAllArgs(List.of("sh", "-c", "tty; ls -1 /dev/pts"))
                    .build();
            String out = stdout(c.exec("e1", exec)).replace("\r", "");
            assertThat(out).isEqualTo("/dev/pts/1\n0\n1\nptmx\n");
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void aTerminalWithoutDevptsInTheContainerFailsCreateSayingSo() {
        Spec spec = spec(List.of("true"));
        Spec withTerminal = spec.toBuilder().setProcess(spec.getProcess().toBuilder().setTerminal(true)).build();

        assertThatThrownBy(() -> Container.create("nodevpts", withTerminal, runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("/dev/ptmx");
    }

    private static Mount devpts() {
        return Mount.newBuilder().setDestination("/dev/pts").setType("devpts").setSource("devpts")
                .addAllOptions(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")).build();
    }

    @Test
    void capabilitiesMaskedAndReadonlyPathsAndOomScoreAreApplied() throws Exception {
        Files.createDirectories(rootfs.resolve("secret"));
        Files.writeString(rootfs.resolve("secret/key"), "s3cret");
        Files.createDirectories(rootfs.resolve("ro"));
        Spec base = spec(List.of("sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status; "
                + "cat /secret/key; echo; cat /proc/self/oom_score_adj; touch /ro/x || echo ro-refused"));
        Spec spec = base.toBuilder()
                .setProcess(base.getProcess().toBuilder().setOOMScoreAdj(123).setUser(User.newBuilder().setUID(1000))
                        .setCapabilities(dev.katajava.protocols.agent.LinuxCapabilities.newBuilder()
                                .addBounding("CAP_KILL").addBounding("CAP_NET_BIND_SERVICE")
                                .addEffective("CAP_KILL").addPermitted("CAP_KILL")
                                .addInheritable("CAP_KILL").addAmbient("CAP_KILL")))
                .setLinux(base.getLinux().toBuilder().addMaskedPaths("/secret").addReadonlyPaths("/ro"))
                .build();
        Container c = Container.create("caps", spec, runtime(false));
        c.start();
        String out = stdout(c.init());
        assertThat(out).contains("CapInh:\t0000000000000020").contains("CapPrm:\t0000000000000020")
                .contains("CapEff:\t0000000000000020").contains("CapBnd:\t0000000000000420")
                .contains("CapAmb:\t0000000000000020");
        assertThat(out).doesNotContain("s3cret").contains("\n123\n").contains("ro-refused");
        assertThat(c.waitProcess("")).isZero();
        c.destroy(5);
    }

    @Test
    void anUnknownCapabilityNameFailsCreate() {
        Spec base = spec(List.of("true"));
        Spec spec = base.toBuilder().setProcess(base.getProcess().toBuilder().setCapabilities(
                dev.katajava.protocols.agent.LinuxCapabilities.newBuilder().addBounding("CAP_FLY"))).build();
        assertThatThrownBy(() -> Container.create("badcap", spec, runtime(false)))
                .hasMessageContaining("unknown capability \"CAP_FLY\"");
    }

    @Test
    void theProgramDoesNotRunBeforeStart() throws Exception {
        Container c = Container.create("gate", spec(List.of("touch", "/ran")), runtime(false));
        Thread.sleep(300);
        assertThat(rootfs.resolve("ran")).doesNotExist();
        c.start();
        assertThat(c.waitProcess("")).isZero();
        assertThat(rootfs.resolve("ran")).exists();
        c.destroy(5);
    }

    @Test
    void aKilledProcessReports128PlusTheSignal() throws Exception {
        Container c = Container.create("kill9", spec(List.of("sleep", "60")), runtime(false));
        c.start();
        Thread.sleep(200);
        c.signal("", 9);
        assertThat(c.init().exit().get(10, TimeUnit.SECONDS)).isEqualTo(137);
        c.destroy(5);
    }

    @Test
    void sigtermToAnInitWithoutAHandlerStopsItAnyway() throws Exception {
        Container c = Container.create("term", spec(List.of("sleep", "60")), runtime(false));
        c.start();
        Thread.sleep(200);
        c.signal("", 15);
        assertThat(c.init().exit().get(10, TimeUnit.SECONDS)).isEqualTo(137);
        c.destroy(5);
    }

    @Test
    void aMissingProgramFailsCreateWithTheLaunchersMessage() {
        assertThatThrownBy(() -> Container.create("missing", spec(List.of("/no/such/program")), runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("/no/such/program").hasMessageContaining("No such file");
        assertThat(dir.resolve("state/missing")).doesNotExist();
    }

    @Test
    void invalidContainerIdsAreRejectedBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> Container.create("../x", spec(List.of("true")), runtime(false)))
                .isInstanceOf(ContainerException.class).hasMessageContaining("invalid container id");
        assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void readOnlyPathsKeepTheirMountsFlagsAndPrecedeMaskedPathsAsUnderRunc() throws Exception {
        Mount proc = Mount.newBuilder().setDestination("/proc").setType("proc").setSource("proc")
                .addAllOptions(List.of("nosuid", "noexec", "nodev")).build();
        Spec base = fixture.spec(List.of("grep", "-E", " /proc/(sys|acpi|keys) ", "/proc/self/mountinfo"));
        Spec s = base.toBuilder().clearMounts().addMounts(proc)
                .setLinux(base.getLinux().toBuilder().addReadonlyPaths("/proc/sys")
                        .addMaskedPaths("/proc/acpi").addMaskedPaths("/proc/keys"))
                .build();
        Container c = Container.create("ro", s, runtime(false));
        c.start();
        List<String> lines = stdout(c.init()).lines().toList();
        assertThat(c.waitProcess("")).isZero();
        c.destroy(5);
        assertThat(lines.getFirst()).contains(" /proc/sys ro,nosuid,nodev,noexec,");
        // A masked directory is a bare read-only tmpfs, as runc mounts it (if this kernel has /proc/acpi).
        lines.stream().filter(l -> l.contains(" /proc/acpi "))
                .forEach(l -> assertThat(l).matches(".* - tmpfs tmpfs ro(,inode64)?"));
        assertThat(lines).anyMatch(l -> l.contains(" /proc/keys "));
    }
}
