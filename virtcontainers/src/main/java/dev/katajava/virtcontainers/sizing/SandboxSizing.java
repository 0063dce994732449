package dev.katajava.virtcontainers.sizing;

import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.hypervisor.VmSize;

/**
 * Sizes a sandbox VM as Kata does: the configured defaults carry the guest itself, a workload's vCPUs and
 * memory come on top, and nothing exceeds the maximum (the host's when the configuration says 0). Sizing at
 * boot from what is known then (the pod's annotations, a single container's limits) spares hot-plug later.
 */
public final class SandboxSizing {
    private final HypervisorConfig config;
    private final HostCapacity host;

    public SandboxSizing(HypervisorConfig config, HostCapacity host) {
        this.config = config;
        this.host = host;
    }

    public int maxVcpus() {
        int max = config.defaultMaxVcpus();
        return max <= 0 || max > host.cpus() ? host.cpus() : max;
    }

    public int maxMemoryMiB() {
        int max = config.defaultMaxMemoryMiB();
        return max <= 0 || max > host.memoryMiB() ? host.memoryMiB() : max;
    }

    /** The VM's size for {@code workload}, clamped to the maximum. */
    public VmSize forWorkload(Workload workload) {
        int maxVcpus = maxVcpus();
        int maxMemory = Math.max(64, maxMemoryMiB());
        int vcpus = Math.min(maxVcpus, Math.max(1, config.defaultVcpus() + workload.vcpus()));
        int memory = Math.min(maxMemory, config.defaultMemoryMiB() + workload.memoryMiB());
        return new VmSize(vcpus, maxVcpus, memory, maxMemory, config.memorySlots());
    }
}
