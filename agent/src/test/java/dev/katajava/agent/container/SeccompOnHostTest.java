package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.LinuxSeccomp;
import dev.katajava.protocols.agent.LinuxSyscall;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The container's seccomp profile enforced by the kernel, for the init and for execs. */
class SeccompOnHostTest {
    @TempDir
    Path dir;
    HostFixture host;

    @BeforeEach
    void setUp() throws Exception {
        host = HostFixture.in(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        host.close();
    }

    /** Allows everything but mkdir and mkdirat, which fail with EACCES. */
    private static LinuxSeccomp denyMkdir() {
        return LinuxSeccomp.newBuilder().setDefaultAction("SCMP_ACT_ALLOW").addArchitectures("SCMP_ARCH_X86_64")
                .addSyscalls(LinuxSyscall.newBuilder().addNames("mkdir").addNames("mkdirat")
                        .setAction("SCMP_ACT_ERRNO").setErrnoret(13))
                .build();
    }

    private Spec spec(List<String> args, LinuxSeccomp seccomp, boolean noNewPrivileges) {
        Spec base = host.spec(args);
        Spec.Builder b = base.toBuilder();
        b.setLinux(b.getLinux().toBuilder().setSeccomp(seccomp));
        b.setProcess(base.getProcess().toBuilder().setNoNewPrivileges(noNewPrivileges));
        return b.build();
    }

    @ParameterizedTest(name = "noNewPrivileges={0}")
    @ValueSource(booleans = {false, true})
    void aDeniedCallFailsWithTheProfilesErrnoAndTheRestWorks(boolean noNewPrivileges) throws Exception {
        Container c = Container.create("sc" + noNewPrivileges, spec(List.of("sh", "-c",
                "mkdir /made 2>&1; echo mkdir=$?; touch /touched && echo touch=$?; grep Seccomp: /proc/self/status"),
                denyMkdir(), noNewPrivileges), host.runtime(false));
        try {
            c.start();
            String out = new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(out).contains("Permission denied").contains("mkdir=1\n").contains("touch=0\n")
                    .containsPattern("Seccomp:\\s+2\n");
            assertThat(c.waitProcess("")).isZero();
        } finally {
            c.destroy(5);
        }
        assertThat(host.rootfs().resolve("made")).doesNotExist();
        assertThat(host.rootfs().resolve("touched")).exists();
    }

    @Test
    void anExecIsFilteredByTheContainersProfile() throws Exception {
        Container c = Container.create("scexec", spec(List.of("sleep", "30"), denyMkdir(), false), host.runtime(false));
        try {
            c.start();
            Process exec = Process.newBuilder().addAllArgs(List.of("sh", "-c", "mkdir /x 2>&1; echo mkdir=$?"))
                    .addEnv("PATH=/bin").setCwd("/").build();
            String out = new String(c.exec("e1", exec).stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(out).contains("Permission denied").endsWith("mkdir=1\n");
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void anUnenforceableProfileFailsCreateNamingTheProblem() {
        LinuxSeccomp bad = denyMkdir().toBuilder().setDefaultAction("SCMP_ACT_MAYBE").build();

        assertThatThrownBy(() -> Container.create("scbad", spec(List.of("true"), bad, false), host.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("SCMP_ACT_MAYBE");
    }
}
