package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.LinuxDevice;
import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import dev.katajava.protocols.agent.LinuxResources;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device rules loaded into the running kernel (its verifier accepts the program) and spec device nodes. */
class DevicesOnHostTest {
    @TempDir
    Path dir;
    HostFixture host;

    @BeforeEach
    void setUp() throws Exception {
        host = HostFixture.in(dir);
        for (String applet : List.of("mknod", "stat")) {
            Files.createSymbolicLink(host.rootfs().resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        host.close();
    }

    /** containerd's default: deny everything, then the standard nodes. */
    private Spec spec(List<String> args, LinuxDevice... devices) {
        LinuxResources.Builder r = LinuxResources.newBuilder()
                .addDevices(LinuxDeviceCgroup.newBuilder().setAllow(false).setMajor(-1).setMinor(-1).setAccess("rwm"));
        for (int minor : new int[] {3, 5, 7, 8, 9}) {
            r.addDevices(LinuxDeviceCgroup.newBuilder().setAllow(true).setType("c").setMajor(1).setMinor(minor).setAccess("rwm"));
        }
        Spec.Builder b = host.spec(args).toBuilder();
        b.setLinux(b.getLinux().toBuilder().setResources(r).addAllDevices(List.of(devices)));
        return b.build();
    }

    private static String run(Container c) throws Exception {
        try {
            c.start();
            String out = new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8);
            c.waitProcess("");
            return out;
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void aNodeTheRulesDoNotAllowCanBeMadeButNotOpenedWhileTheStandardNodesWork() throws Exception {
        String out = run(Container.create("dev1", spec(List.of("sh", "-c",
                "mknod /dev/myser c 4 64 && echo mknod=ok; echo x 2>&1 > /dev/myser; echo write=$?;"
                        + " head -c 4 /dev/zero | wc -c; cat /dev/null && echo null=ok")), host.runtime(false)));

        assertThat(out).contains("mknod=ok").contains("Operation not permitted").contains("write=1")
                .contains("4\n").contains("null=ok");
    }

    @Test
    void anExecIsHeldToTheSameRules() throws Exception {
        Container c = Container.create("dev2", spec(List.of("sleep", "30")), host.runtime(false));
        try {
            c.start();
            Process exec = Process.newBuilder().addAllArgs(List.of("sh", "-c",
                    "mknod /dev/e c 4 65; cat /dev/e 2>&1; echo read=$?")).addEnv("PATH=/bin").setCwd("/").build();
            String out = new String(c.exec("e1", exec).stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(out).contains("Operation not permitted").endsWith("read=1\n");
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void aSpecDeviceIsCreatedWithItsNumbersModeAndOwner() throws Exception {
        LinuxDevice mynull = LinuxDevice.newBuilder().setPath("/dev/sub/mynull").setType("c").setMajor(1).setMinor(3)
                .setFileMode(0640).setUID(7).setGID(8).build();
        String out = run(Container.create("dev3", spec(List.of("stat", "-c", "%t:%T %a %u:%g", "/dev/sub/mynull"), mynull),
                host.runtime(false)));

        assertThat(out).isEqualTo("1:3 640 7:8\n");
        Path node = host.rootfs().resolve("dev/sub/mynull");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(node))).isEqualTo("rw-r-----");
    }

    @Test
    void aSpecDeviceTheMachineDoesNotHaveIsRefusedByName() {
        LinuxDevice missing = LinuxDevice.newBuilder().setPath("/dev/nosuch").setType("c").setMajor(4095)
                .setMinor(4095).setFileMode(0666).build();

        assertThatThrownBy(() -> Container.create("dev4", spec(List.of("true"), missing), host.runtime(false)))
                .hasMessageContaining("/dev/nosuch").hasMessageContaining("c 4095:4095")
                .hasMessageContaining("does not exist in the guest");
    }
}
