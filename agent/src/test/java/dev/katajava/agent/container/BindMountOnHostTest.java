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

/** Bind mounts as {@code ctr run --mount} and CRI volumes give them: options and propagation as runc applies them. */
class BindMountOnHostTest {
    @TempDir
    Path dir;
    HostFixture host;
    Path volume;

    @BeforeEach
    void setUp() throws Exception {
        host = HostFixture.in(dir);
        volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(volume.resolve("greeting"), "hello from the host\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        host.close();
    }

    private static Mount bind(Path source, String destination, String... options) {
        return Mount.newBuilder().setSource(source.toString()).setDestination(destination).setType("bind")
                .addAllOptions(List.of(options)).build();
    }

    private record Result(int status, String out) {
    }

    private Result run(String id, String script, Mount... mounts) throws Exception {
        Container c = Container.create(id, host.spec(List.of("sh", "-c", script), mounts), host.runtime(false));
        try {
            c.start();
            String out = new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(c.waitProcess(""), out);
        } finally {
            c.destroy(5);
        }
    }

    @Test
    void aWritableBindShowsAndKeepsWhatTheContainerWrites() throws Exception {
        Result r = run("rw", "cat /data/greeting && echo written > /data/new", bind(volume, "/data", "rbind", "rw"));

        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("hello from the host\n");
        assertThat(volume.resolve("new")).hasContent("written");
    }

    @Test
    void aReadOnlyBindRefusesWritesAndStaysReadOnlyAfterARemountAttempt() throws Exception {
        Result r = run("ro", "cat /data/greeting; echo x > /data/new; echo status=$?; "
                + "grep ' /data ' /proc/self/mountinfo | grep -c ' ro,'", bind(volume, "/data", "rbind", "ro"));

        assertThat(r.out()).startsWith("hello from the host\n").contains("status=1").endsWith("1\n");
        assertThat(volume.resolve("new")).doesNotExist();
    }

    @Test
    void aFileIsBoundOntoAFileTheLauncherCreates() throws Exception {
        Result r = run("file", "cat /etc/motd", bind(volume.resolve("greeting"), "/etc/motd", "bind", "ro"));

        assertThat(r.out()).isEqualTo("hello from the host\n");
        assertThat(host.rootfs().resolve("etc/motd")).isRegularFile().isEmptyFile();
    }

    @Test
    void propagationOptionsAreAppliedToTheMount() throws Exception {
        Result r = run("prop", "grep ' /data ' /proc/self/mountinfo",
                bind(volume, "/shared-data", "rbind", "rshared"), bind(volume, "/data", "rbind", "rprivate"));

        assertThat(r.out()).doesNotContain("shared:");
        Result shared = run("prop2", "grep ' /shared-data ' /proc/self/mountinfo",
                bind(volume, "/shared-data", "rbind", "rshared"));
        assertThat(shared.out()).contains("shared:");
    }

    @Test
    void anUnknownRootfsPropagationIsRefused() {
        var spec = host.spec(List.of("true")).toBuilder();
        spec.setLinux(spec.getLinux().toBuilder().setRootfsPropagation("sideways"));

        assertThatThrownBy(() -> Container.create("badprop", spec.build(), host.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("rootfsPropagation \"sideways\"");
    }
}
