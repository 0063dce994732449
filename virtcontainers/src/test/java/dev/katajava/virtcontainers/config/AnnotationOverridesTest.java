package dev.katajava.virtcontainers.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnotationOverridesTest {
    private static final Path FILE = Path.of("/etc/kata-containers/configuration.toml");
    private static final String H = AnnotationOverrides.HYPERVISOR;

    private static RuntimeConfig config(String enable) throws ConfigException {
        return ConfigLoader.parse(FILE, """
                [hypervisor.qemu]
                kernel = "/k/vmlinux"
                initrd = "/k/initrd.img"
                kernel_params = "quiet"
                default_vcpus = 1
                default_memory = 512
                %s
                """.formatted(enable));
    }

    @Test
    void enabledHypervisorAnnotationsOverrideTheFile() throws Exception {
        RuntimeConfig c = AnnotationOverrides.apply(
                config("enable_annotations = [\"default_.*\", \"kernel_params\", \"machine_type\"]"),
                Map.of(H + "default_vcpus", "1.5", H + "default_memory", "1024", H + "default_max_vcpus", "4",
                        H + "kernel_params", "agent.log=debug  foo=1", H + "machine_type", "microvm"));
        HypervisorConfig hv = c.hypervisor();
        assertThat(hv.defaultVcpus()).isEqualTo(2);
        assertThat(hv.defaultMemoryMiB()).isEqualTo(1024);
        assertThat(hv.defaultMaxVcpus()).isEqualTo(4);
        assertThat(hv.kernelParams()).containsExactly("quiet", "agent.log=debug", "foo=1");
        assertThat(hv.machineType()).isEqualTo("microvm");
    }

    @Test
    void aHypervisorAnnotationThatIsNotEnabledFailsNamingItAndTheFile() {
        assertThatThrownBy(() -> AnnotationOverrides.apply(config("enable_annotations = [\"kernel_params\"]"),
                Map.of(H + "default_memory", "4096")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("annotation io.katacontainers.config.hypervisor.default_memory is not enabled")
                .hasMessageContaining(FILE.toString());
    }

    @Test
    void anEnabledPatternMustMatchTheWholeName() {
        assertThatThrownBy(() -> AnnotationOverrides.apply(config("enable_annotations = [\"default_memory\"]"),
                Map.of(H + "default_memory_extra", "1")))
                .hasMessageContaining("default_memory_extra is not enabled");
    }

    @Test
    void withoutEnableAnnotationsEveryHypervisorAnnotationIsRefused() {
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(""), Map.of(H + "default_vcpus", "2")))
                .hasMessageContaining("is not enabled");
    }

    @Test
    void badValuesFailNamingTheAnnotationAndWhatWasExpected() {
        String all = "enable_annotations = [\".*\"]";
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(all), Map.of(H + "default_memory", "lots")))
                .hasMessage("annotation " + H + "default_memory: \"lots\" is not an integer");
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(all), Map.of(H + "default_vcpus", "0")))
                .hasMessageContaining("default_vcpus: \"0\" is not a number of vCPUs above 0");
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(all), Map.of(H + "machine_type", "pc")))
                .hasMessageContaining("machine_type: \"pc\" is not one of [microvm, q35]");
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(all), Map.of(H + "default_memory", "8")))
                .hasMessageContaining("is not an integer between 64 and");
    }

    @Test
    void virtioFsByAnnotationNeedsTheDaemonFromTheFile() {
        assertThatThrownBy(() -> AnnotationOverrides.apply(config("enable_annotations = [\"shared_fs\"]"),
                Map.of(H + "shared_fs", "virtio-fs")))
                .hasMessageContaining("virtio-fs needs shared_fs = \"virtio-fs\" and its virtio_fs_daemon");
    }

    @Test
    void runtimeSeccompAnnotationNeedsNoEnablingAndIsChecked() throws Exception {
        RuntimeConfig c = AnnotationOverrides.apply(config(""),
                Map.of(AnnotationOverrides.RUNTIME + "disable_guest_seccomp", "true"));
        assertThat(c.disableGuestSeccomp()).isTrue();
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(""),
                Map.of(AnnotationOverrides.RUNTIME + "disable_guest_seccomp", "maybe")))
                .hasMessageContaining("is not true or false");
    }

    @Test
    void aPodMayTurnHostSocketForwardingOffButOnlyEnabledAnnotationsTurnItBackOn() throws Exception {
        String key = AnnotationOverrides.RUNTIME + "disable_host_socket_forwarding";
        assertThat(AnnotationOverrides.apply(config(""), Map.of(key, "true")).disableHostSocketForwarding())
                .isTrue();
        String off = "\n[runtime]\ndisable_host_socket_forwarding = true";
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(off), Map.of(key, "false")))
                .hasMessageContaining("annotation " + key + ": host socket forwarding is turned off by " + FILE)
                .hasMessageContaining("enable_annotations");
        assertThat(AnnotationOverrides.apply(config("enable_annotations = [\"disable_host_socket_forwarding\"]" + off),
                Map.of(key, "false")).disableHostSocketForwarding()).isFalse();
        assertThatThrownBy(() -> AnnotationOverrides.apply(config(""), Map.of(key, "no way")))
                .hasMessageContaining("is not true or false");
    }

    @Test
    void annotationsThisRuntimeDoesNotUseAreIgnoredWithAWarning() throws Exception {
        RuntimeConfig c = AnnotationOverrides.apply(config("enable_annotations = [\"enable_iommu\"]"),
                Map.of(H + "enable_iommu", "true", AnnotationOverrides.AGENT + "kernel_modules", "e1000e",
                        "io.kubernetes.cri.container-type", "sandbox"));
        assertThat(c.warnings()).hasSize(2)
                .anySatisfy(w -> assertThat(w).contains("enable_iommu is not supported"))
                .anySatisfy(w -> assertThat(w).contains("kernel_modules is not supported"));
        assertThat(c.hypervisor()).usingRecursiveComparison().isEqualTo(config("enable_annotations = [\"enable_iommu\"]").hypervisor());
    }

    @Test
    void aBadRegularExpressionInTheFileFailsAtLoadWithItsLine() {
        assertThatThrownBy(() -> config("enable_annotations = [\"default_(\"]"))
                .hasMessageContaining(":7: [hypervisor.qemu] enable_annotations: \"default_(\" is not a regular expression");
    }
}
