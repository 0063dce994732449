package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.Hook;
import dev.katajava.protocols.agent.Hooks;
import dev.katajava.protocols.agent.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** createContainer and startContainer hooks, run by the launcher in the container's namespaces and root. */
class ContainerHooksOnHostTest {
    @TempDir
    Path dir;
    private HostFixture fixture;

    @BeforeEach
    void hostFixture() throws Exception {
        fixture = HostFixture.in(dir);
    }

    @AfterEach
    void releaseFixture() throws Exception {
        fixture.close();
    }

    private static Hook shHook(String script) {
        return Hook.newBuilder().setPath("/bin/sh").addArgs("sh").addArgs("-c").addArgs(script).addEnv("PATH=/bin")
                .build();
    }

    private Spec spec(List<String> args, Hooks hooks) {
        return fixture.spec(args).toBuilder().setVersion("1.0.2-dev").setHooks(hooks).build();
    }

    @Test
    void createContainerHooksRunInTheContainerBeforeCreateReturnsAndStartContainerHooksRightBeforeTheProgram()
            throws Exception {
        Hooks hooks = Hooks.newBuilder()
                .addCreateContainer(shHook("cat > /cc-state; hostname > /cc-hostname"))
                .addStartContainer(shHook("cat > /sc-state; echo ran-before > /sc-mark"))
                .build();
        Container c = Container.create("hk", spec(List.of("cat", "/sc-mark"), hooks), fixture.runtime(false));
        Path root = fixture.rootfs();

        assertThat(Files.readString(root.resolve("cc-state"))).startsWith("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"hk\",")
                .endsWith(",\"status\":\"creating\",\"pid\":1}");
        assertThat(Files.readString(root.resolve("cc-hostname"))).as("in the container's UTS namespace")
                .isEqualTo("c1\n");
        assertThat(root.resolve("sc-state")).as("not before start").doesNotExist();

        c.start();
        assertThat(new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ran-before\n");
        assertThat(c.waitProcess("")).isZero();
        assertThat(Files.readString(root.resolve("sc-state"))).endsWith(",\"status\":\"created\",\"pid\":1}");
        c.destroy(5);
    }

    @Test
    void aHookWhoseProgramIsNotInTheContainerFailsCreateNamingIt() {
        Hooks hooks = Hooks.newBuilder().addStartContainer(Hook.newBuilder().setPath("/usr/bin/nvidia-hook")).build();
        assertThatThrownBy(() -> Container.create("missing", spec(List.of("echo"), hooks), fixture.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("startContainer[0] /usr/bin/nvidia-hook: not found in the container");
    }

    @Test
    void aFailingCreateContainerHookFailsCreateWithItsOutput() {
        Hooks hooks = Hooks.newBuilder().addCreateContainer(shHook("echo no device for you; exit 4")).build();
        assertThatThrownBy(() -> Container.create("ccfail", spec(List.of("echo"), hooks), fixture.runtime(false)))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("createContainer[0] /bin/sh exited with status 4: no device for you");
    }

    @Test
    void aCreateContainerHookThatOutlivesItsTimeoutIsKilledAndFailsCreate() {
        Hook slow = shHook("sleep 30").toBuilder().setTimeout(1).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Container.create("slow", spec(List.of("echo"),
                Hooks.newBuilder().addCreateContainer(slow).build()), fixture.runtime(false)))
                .hasMessageContaining("createContainer[0] /bin/sh timed out after 1 s");
        assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(10);
    }

    @Test
    void aFailingStartContainerHookKeepsTheProgramFromRunning() throws Exception {
        Hooks hooks = Hooks.newBuilder().addStartContainer(shHook("echo refused >&2; exit 2")).build();
        Container c = Container.create("scfail", spec(List.of("touch", "/ran"), hooks), fixture.runtime(false));
        c.start();
        assertThat(new String(c.init().stderr().readAllBytes(), StandardCharsets.UTF_8))
                .contains("startContainer[0] /bin/sh exited with status 2: refused");
        assertThat(c.waitProcess("")).isEqualTo(1);
        assertThat(fixture.rootfs().resolve("ran")).doesNotExist();
        c.destroy(5);
    }
}
