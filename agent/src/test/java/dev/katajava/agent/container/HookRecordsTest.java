package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.Hook;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HookRecordsTest {
    @Test
    void aHookIsItsTimeoutPathArgsAndEnvAsNulSeparatedFields() throws Exception {
        Hook h = Hook.newBuilder().setPath("/usr/bin/h").addArgs("h").addArgs("two words").addEnv("A=1")
                .setTimeout(5).build();
        assertThat(new String(HookRecords.encode("createContainer[0]", h), StandardCharsets.UTF_8))
                .isEqualTo("5\0/usr/bin/h\0" + "2\0h\0two words\0" + "1\0A=1\0");
    }

    @Test
    void aRelativePathOrANulByteIsRefusedByName() {
        assertThatThrownBy(() -> HookRecords.encode("startContainer[1]", Hook.newBuilder().setPath("bin/h").build()))
                .isInstanceOf(ContainerException.class).hasMessageContaining("hooks.startContainer[1].path must be absolute");
        assertThatThrownBy(() -> HookRecords.encode("createContainer[0]",
                Hook.newBuilder().setPath("/h").addArgs("a\0b").build()))
                .isInstanceOf(ContainerException.class).hasMessageContaining("NUL");
    }

    @Test
    void theStatePrefixCompletedAsTheLauncherDoesIsTheRuntimeSpecsState() throws Exception {
        Spec spec = Spec.newBuilder().setVersion("1.0.2-dev")
                .setRoot(Root.newBuilder().setPath("/run/kata-containers/shared/containers/c1/rootfs"))
                .putAnnotations("quote\"d", "new\nline\\").build();
        String json = HookRecords.statePrefix("c1", spec) + ",\"status\":\"creating\",\"pid\":1}";
        assertThat(json).isEqualTo("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\","
                + "\"bundle\":\"/run/kata-containers/shared/containers/c1\","
                + "\"annotations\":{\"quote\\\"d\":\"new\\nline\\\\\"},\"status\":\"creating\",\"pid\":1}");
    }
}
