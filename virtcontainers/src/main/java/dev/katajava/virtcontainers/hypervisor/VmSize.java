package dev.katajava.virtcontainers.hypervisor;

/**
 * How big a VM boots and how far it may grow by hot-plug.
 *
 * @param vcpus        vCPUs at boot
 * @param maxVcpus     vCPUs the VM can be given later (at least {@code vcpus})
 * @param memoryMiB    memory at boot
 * @param maxMemoryMiB memory the VM can be given later (at least {@code memoryMiB}); equal means no memory hot-plug
 * @param memorySlots  DIMM slots for memory hot-plug
 */
public record VmSize(int vcpus, int maxVcpus, int memoryMiB, int maxMemoryMiB, int memorySlots) {
    public VmSize {
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be at least 1, got " + vcpus);
        }
        if (memoryMiB < 64) {
            throw new IllegalArgumentException("memory must be at least 64 MiB, got " + memoryMiB);
        }
        if (maxVcpus < vcpus) {
            throw new IllegalArgumentException("maxVcpus " + maxVcpus + " is below vcpus " + vcpus);
        }
        if (maxMemoryMiB < memoryMiB) {
            throw new IllegalArgumentException("maxMemoryMiB " + maxMemoryMiB + " is below memoryMiB " + memoryMiB);
        }
        if (memorySlots < 0) {
            throw new IllegalArgumentException("memorySlots must not be negative, got " + memorySlots);
        }
    }

    /** A VM that cannot grow. */
    public static VmSize fixed(int vcpus, int memoryMiB) {
        return new VmSize(vcpus, vcpus, memoryMiB, memoryMiB, 0);
    }

    public boolean canHotplugMemory() {
        return maxMemoryMiB > memoryMiB && memorySlots > 0;
    }
}
