package dev.katajava.virtcontainers.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciHooksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OciHooks parse(String hooks) throws Exception {
        return OciHooks.of(JSON.readTree("{\"hooks\": " + hooks + "}"));
    }

    @Test
    void everyKindIsReadInOrderWithArgsEnvAndTimeout() throws Exception {
        OciHooks h = parse("""
                {"prestart": [{"path": "/bin/a"}, {"path": "/bin/b", "args": ["b", "-x"], "env": ["K=V"], "timeout": 5}],
                 "createRuntime": [{"path": "/bin/c"}], "createContainer": [{"path": "/bin/d"}],
                 "startContainer": [{"path": "/bin/e"}], "poststart": [{"path": "/bin/f"}], "poststop": [{"path": "/bin/g"}]}
                """);
        assertThat(h.of(HookKind.PRESTART)).extracting(Hook::path).containsExactly(Path.of("/bin/a"), Path.of("/bin/b"));
        Hook b = h.of(HookKind.PRESTART).get(1);
        assertThat(b.name()).isEqualTo("prestart[1]");
        assertThat(b.args()).containsExactly("b", "-x");
        assertThat(b.env()).containsExactly("K=V");
        assertThat(b.timeout()).contains(Duration.ofSeconds(5));
        assertThat(h.of(HookKind.PRESTART).getFirst().args()).as("argv[0] defaults to the path").containsExactly("/bin/a");
        for (HookKind k : HookKind.values()) {
            assertThat(h.of(k)).isNotEmpty();
        }
    }

    @Test
    void noHooksIsEmpty() throws Exception {
        assertThat(OciHooks.of(JSON.readTree("{}")).isEmpty()).isTrue();
        assertThat(parse("{}").of(HookKind.POSTSTOP)).isEmpty();
    }

    @Test
    void malformedHooksAreRefusedByName() {
        assertThatThrownBy(() -> parse("{\"prestart\": [{\"path\": \"relative/hook\"}]}"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("hooks.prestart[0].path must be absolute");
        assertThatThrownBy(() -> parse("{\"poststop\": [{}]}"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("hooks.poststop[0].path is required");
        assertThatThrownBy(() -> parse("{\"poststart\": [{\"path\": \"/x\", \"timeout\": 0}]}"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("hooks.poststart[0].timeout");
        assertThatThrownBy(() -> parse("{\"createRuntime\": [{\"path\": \"/x\", \"args\": [1]}]}"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("hooks.createRuntime[0].args");
        assertThatThrownBy(() -> parse("{\"prestart\": {}}"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("hooks.prestart must be an array");
        assertThatThrownBy(() -> parse("[]")).isInstanceOf(OciSpecException.class);
        assertThat(List.of(HookKind.values())).filteredOn(HookKind::onHost).hasSize(4);
    }
}
