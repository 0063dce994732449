package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.Mount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mount destinations are resolved the way the container will see its files, as runc does: symlinks in the
 * image are followed with the rootfs as their root, so none can place a mount (or a device node) outside it.
 */
class MountDestinationOnHostTest {
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

    private static Mount tmpfs(String destination) {
        return Mount.newBuilder().setDestination(destination).setType("tmpfs").setSource("tmpfs").build();
    }

    /** Runs {@code script} in a container with {@code mounts}; returns its stdout. */
    private String run(String id, String script, Mount... mounts) throws Exception {
        Container c = Container.create(id, host.spec(List.of("sh", "-c", script), mounts), host.runtime(false));
        try {
            c.start();
            String out = new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(c.waitProcess("")).isZero();
            return out;
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void anAbsoluteSymlinkOutOfTheRootfsIsFollowedInsideIt() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(host.rootfs().resolve("evil"), outside);

        String mounts = run("contained", "grep -c ' " + outside + "/mnt ' /proc/self/mountinfo", tmpfs("/evil/mnt"));

        assertThat(mounts.strip()).isEqualTo("1");
        assertThat(outside.resolve("mnt")).doesNotExist();
        assertThat(host.rootfs().resolve(outside.toString().substring(1)).resolve("mnt")).isDirectory();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"../../../../../../../../etc", "sub/../../../etc"})
    void aSymlinkClimbingAboveTheRootIsRefusedWithAClearError(String target) throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(host.rootfs().resolve("sub"));
        Files.createSymbolicLink(host.rootfs().resolve("evil"), Path.of(target));

        assertThatThrownBy(() -> Container.create("climb", host.spec(List.of("true"), tmpfs("/evil/mnt")),
                host.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("mount destination /evil/mnt")
                .hasMessageContaining("leads out of the container's root filesystem");
        assertThat(outside.resolve("mnt")).doesNotExist();
        assertThat(Path.of("/etc/mnt")).doesNotExist();
    }

    @Test
    void aDotDotInTheDestinationItselfIsRefused() {
        assertThatThrownBy(() -> Container.create("dotdot", host.spec(List.of("true"), tmpfs("/a/../../etc/x")),
                host.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("leads out of the container's root filesystem");
    }

    @Test
    void anAbsoluteSymlinkInTheImageLeadsToItsTargetInTheImage() throws Exception {
        Files.createDirectories(host.rootfs().resolve("run"));
        Files.createDirectories(host.rootfs().resolve("var"));
        Files.createSymbolicLink(host.rootfs().resolve("var/run"), Path.of("/run"));

        String mounts = run("varrun", "grep -c ' /run/secrets ' /proc/self/mountinfo", tmpfs("/var/run/secrets"));

        assertThat(mounts.strip()).isEqualTo("1");
        assertThat(host.rootfs().resolve("run/secrets")).isDirectory();
    }

    @Test
    void aDestinationBelowAFileIsRefusedNamingThePath() throws Exception {
        Files.writeString(host.rootfs().resolve("file"), "x");

        assertThatThrownBy(() -> Container.create("belowfile",
                host.spec(List.of("true"), tmpfs("/file/x")), host.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("mount destination /file/x: /file is not a directory");
    }

    @Test
    void deviceNodesAreNotMadeThroughADevSymlinkOutOfTheRootfs() throws Exception {
        Path hostDir = Files.createDirectories(dir.resolve("hostdev"));
        Files.delete(host.rootfs().resolve("dev"));
        Files.createSymbolicLink(host.rootfs().resolve("dev"), hostDir);

        run("devlink", "true");

        assertThat(hostDir).isEmptyDirectory();
    }
}
