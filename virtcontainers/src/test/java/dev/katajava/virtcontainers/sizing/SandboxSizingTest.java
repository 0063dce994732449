package dev.katajava.virtcontainers.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.oci.ContainerType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxSizingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HostCapacity HOST = new HostCapacity(8, 16384);

    private static HypervisorConfig config(int vcpus, int maxVcpus, int memory, int maxMemory) {
        return new HypervisorConfig("qemu", Path.of("/q"), Path.of("/k"), Path.of("/i"), "q35", List.of(), vcpus,
                maxVcpus, memory, maxMemory, 10, "virtio-9p", null, Accelerator.TCG, false, List.of(), "", null,
                false);
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void aSingleContainersLimitsComeOnTopOfTheDefaults() throws Exception {
        JsonNode spec = json("""
                {"linux":{"resources":{"cpu":{"quota":150000,"period":100000},"memory":{"limit":268435456}}}}""");
        Workload w = Workload.of(spec, new ContainerType(ContainerType.Kind.SINGLE_CONTAINER, "c1"));

        VmSize size = new SandboxSizing(config(1, 0, 2048, 0), HOST).forWorkload(w);

        assertThat(w).isEqualTo(new Workload(2, 256));
        assertThat(size).isEqualTo(new VmSize(3, 8, 2304, 16384, 10));
    }

    @Test
    void aPodSandboxIsSizedFromTheCriAnnotations() throws Exception {
        JsonNode spec = json("""
                {"annotations":{"io.kubernetes.cri.sandbox-cpu-quota":"50000",
                 "io.kubernetes.cri.sandbox-cpu-period":"100000","io.kubernetes.cri.sandbox-memory":"1048577"},
                 "linux":{"resources":{"memory":{"limit":999999999}}}}""");

        Workload w = Workload.of(spec, new ContainerType(ContainerType.Kind.POD_SANDBOX, "p1"));

        assertThat(w).isEqualTo(new Workload(1, 2));
    }

    @Test
    void noLimitsAndUnparsableAnnotationsAskForNothing() throws Exception {
        assertThat(Workload.of(json("{}"), new ContainerType(ContainerType.Kind.SINGLE_CONTAINER, "c")))
                .isEqualTo(Workload.NONE);
        assertThat(Workload.of(json("{\"annotations\":{\"io.kubernetes.cri.sandbox-memory\":\"lots\"}}"),
                new ContainerType(ContainerType.Kind.POD_SANDBOX, "p"))).isEqualTo(Workload.NONE);
        assertThat(Workload.ofResources(json("{\"cpu\":{\"quota\":-1,\"period\":100000}}"))).isEqualTo(Workload.NONE);
    }

    @Test
    void theMaximumCapsTheSizeAndZeroMeansTheHosts() {
        SandboxSizing capped = new SandboxSizing(config(2, 4, 1024, 2048), HOST);
        SandboxSizing host = new SandboxSizing(config(1, 0, 512, 0), HOST);
        SandboxSizing overHost = new SandboxSizing(config(1, 64, 512, 1 << 20), HOST);

        assertThat(capped.forWorkload(new Workload(10, 4096))).isEqualTo(new VmSize(4, 4, 2048, 2048, 10));
        assertThat(host.maxVcpus()).isEqualTo(8);
        assertThat(host.maxMemoryMiB()).isEqualTo(16384);
        assertThat(overHost.maxVcpus()).isEqualTo(8);
        assertThat(overHost.maxMemoryMiB()).isEqualTo(16384);
    }
}
