package dev.katajava.virtcontainers.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * configuration.toml comes from an administrator, but also from {@code --runtime-config-path} and
 * {@code $KATA_CONF_FILE}: any text must load into a configuration within the documented ranges or fail with
 * a {@link ConfigException} that says what is wrong.
 */
class ConfigLoaderFuzzTest {
    private static final Path FILE = Path.of("/etc/kata-containers/configuration.toml");

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"[hypervisor.qemu]", "[agent.kata]", "[runtime]", "default_vcpus", "default_maxvcpus",
            "default_memory", "default_maxmemory", "memory_slots", "machine_type", "shared_fs", "virtio-fs",
            "enable_annotations", "kernel_params", "dial_timeout", "transport", "guest_hook_path", "accelerator",
            "disable_guest_seccomp", "virtio_fs_daemon", "virtio_fs_cache_size", " = ", "\"\"\"", "'''", "[[", "]]"})
    void anyTextLoadsWithinBoundsOrFailsWithAConfigException(byte[] file) {
        String toml = new String(file, StandardCharsets.UTF_8);
        RuntimeConfig config;
        try {
            config = ConfigLoader.parse(FILE, toml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        HypervisorConfig hv = config.hypervisor();
        assertThat(hv.name()).isEqualTo("qemu");
        assertThat(hv.defaultVcpus()).isBetween(1, 240);
        assertThat(hv.defaultMaxVcpus()).isBetween(0, 240);
        assertThat(hv.defaultMemoryMiB()).isBetween(64, 1 << 22);
        assertThat(hv.memorySlots()).isBetween(0, 255);
        assertThat(hv.machineType()).isIn("q35", "microvm");
        assertThat(hv.sharedFs()).isIn(ConfigLoader.SHARED_FS);
        assertThat(hv.kernelParams()).allSatisfy(p -> assertThat(p).isNotBlank());
        assertThat(config.agent().dialTimeout().toSeconds()).isBetween(1L, 3600L);
        assertThat(config.agent().transport()).isIn(AgentConfig.TRANSPORTS);
        assertThat(config.warnings()).doesNotContainNull();
    }
}
