package dev.katajava.virtcontainers.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateFingerprintTest {
    @TempDir
    Path dir;

    @Test
    void aFingerprintReadBackFromItsTextMatchesTheConfigurationItCameFrom() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        TemplateFingerprint fp = TemplateFingerprint.of(config);
        assertThat(TemplateFingerprint.parse(fp.render()).mismatch(fp)).isNull();
        assertThat(fp.entries()).containsKeys("qemu", "kernel", "initrd", "image", "machine_type", "size",
                "kernel_params", "accelerator", "shared_fs", "nic_slots");
    }

    @Test
    void aDifferentCommandLineSettingIsNamedInTheMismatch() throws Exception {
        TemplateFingerprint made = TemplateFingerprint.of(TemplateFixture.config(dir, ""));
        TemplateFingerprint now = TemplateFingerprint.of(TemplateFixture.config(dir, "kernel_params = \"quiet=1\""));
        assertThat(made.mismatch(now)).startsWith("kernel_params differs: the template has \"\"");
    }

    @Test
    void aMissingFileIsRecordedAsUnreadableAndMatchesNoRealFile() {
        assertThat(TemplateFingerprint.file(dir.resolve("nope"))).contains("unreadable");
    }

    @Test
    void aLineWithoutAKeyMakesTheFingerprintUnreadable() {
        assertThatThrownBy(() -> TemplateFingerprint.parse("shape=1\n=x\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
