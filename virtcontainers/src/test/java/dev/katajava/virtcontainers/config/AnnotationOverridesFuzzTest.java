package dev.katajava.virtcontainers.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Pod annotations are written by whoever creates the pod. Laid over a configuration that enables every
 * hypervisor annotation, any set of them must give a configuration within the same bounds the file has, or
 * fail with a {@link ConfigException} naming the annotation.
 */
class AnnotationOverridesFuzzTest {
    private static final String[] NAMES = {"default_vcpus", "default_max_vcpus", "default_memory", "memory_slots",
            "kernel_params", "machine_type", "shared_fs", "path", "kernel"};
    private static final String[] PREFIXES = {AnnotationOverrides.HYPERVISOR, AnnotationOverrides.RUNTIME,
            AnnotationOverrides.AGENT, "io.kubernetes.cri."};

    @FuzzTest(maxDuration = "10s")
    void annotationsGiveABoundedConfigurationOrANamedError(FuzzedDataProvider data) throws Exception {
        RuntimeConfig base = ConfigLoader.parse(Path.of("/etc/kata-containers/configuration.toml"), """
                [hypervisor.qemu]
                kernel = "/k/vmlinux"
                initrd = "/k/initrd.img"
                kernel_params = "quiet"
                enable_annotations = [".*"]
                """);
        Map<String, String> annotations = new HashMap<>();
        for (int i = data.consumeInt(0, 6); i > 0; i--) {
            String prefix = PREFIXES[data.consumeInt(0, PREFIXES.length - 1)];
            String name = data.consumeBoolean() ? NAMES[data.consumeInt(0, NAMES.length - 1)] : data.consumeString(24);
            annotations.put(prefix + name, data.consumeString(32));
        }
        RuntimeConfig config;
        try {
            config = AnnotationOverrides.apply(base, annotations);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("annotation ");
            return;
        }
        HypervisorConfig hv = config.hypervisor();
        assertThat(hv.defaultVcpus()).isBetween(1, 240);
        assertThat(hv.defaultMaxVcpus()).isBetween(0, 240);
        assertThat(hv.defaultMemoryMiB()).isBetween(64, 1 << 22);
        assertThat(hv.memorySlots()).isBetween(0, 255);
        assertThat(hv.machineType()).isIn("q35", "microvm");
        assertThat(hv.sharedFs()).isEqualTo("virtio-9p");
        assertThat(hv.kernelParams()).allSatisfy(p -> assertThat(p).isNotBlank());
        assertThat(hv.path()).isEqualTo(base.hypervisor().path());
        assertThat(hv.kernel()).isEqualTo(base.hypervisor().kernel());
    }
}
