package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.agent.GuestSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kata's guest_hook_path: hooks of the guest image run by the agent for every container. */
class GuestHookDirOnHostTest {
    @TempDir
    Path dir;
    private HostFixture fixture;
    private Path hooks;
    private Path log;

    @BeforeEach
    void hostFixture() throws Exception {
        fixture = HostFixture.in(dir.resolve("fixture"));
        hooks = Files.createDirectories(dir.resolve("hooks"));
        log = dir.resolve("log");
    }

    @AfterEach
    void releaseFixture() throws Exception {
        fixture.close();
    }

    private void hook(String kind, String name, String body) throws Exception {
        Path h = Files.createDirectories(hooks.resolve(kind)).resolve(name);
        Files.writeString(h, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private GuestSandbox sandbox() throws Exception {
        GuestSandbox sb = new GuestSandbox(fixture.runtime(false));
        sb.create("sb", "", List.of(), hooks.toString());
        return sb;
    }

    private static final String RECORD = "state=$(cat); echo \"$(basename $0) $1 $(echo \"$state\" | "
            + "sed -n 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/p')\" >> ";

    @Test
    void prestartPoststartAndPoststopHooksRunInNameOrderAtTheirMoments() throws Exception {
        hook("prestart", "20-second", RECORD + log);
        hook("prestart", "10-first", RECORD + log);
        hook("poststart", "10-p", RECORD + log);
        hook("poststop", "10-s", RECORD + log);
        Files.writeString(Files.createDirectories(hooks.resolve("prestart")).resolve("README"), "not executable");
        GuestSandbox sb = sandbox();

        Container c = sb.createContainer("g1", fixture.spec(List.of("echo")));
        assertThat(Files.readAllLines(log)).containsExactly("10-first prestart created", "20-second prestart created");
        sb.startContainer("g1");
        assertThat(c.waitProcess("")).isZero();
        sb.removeContainer("g1", 5);

        assertThat(Files.readAllLines(log)).containsExactly("10-first prestart created", "20-second prestart created",
                "10-p poststart running", "10-s poststop stopped");
    }

    @Test
    void aFailingPrestartHookFailsTheCreateAndLeavesNoContainer() throws Exception {
        hook("prestart", "10-no", "echo not today; exit 3");
        GuestSandbox sb = sandbox();
        assertThatThrownBy(() -> sb.createContainer("g2", fixture.spec(List.of("echo"))))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("guest prestart hook " + hooks.resolve("prestart/10-no"))
                .hasMessageContaining("exited with status 3: not today");
        assertThatThrownBy(() -> sb.container("g2")).hasMessageContaining("not found");
    }

    @Test
    void noGuestHookPathRunsNothing() throws Exception {
        GuestSandbox sb = new GuestSandbox(fixture.runtime(false));
        sb.create("sb", "", List.of(), "");
        Container c = sb.createContainer("g3", fixture.spec(List.of("echo")));
        sb.startContainer("g3");
        assertThat(c.waitProcess("")).isZero();
        sb.removeContainer("g3", 5);
    }
}
