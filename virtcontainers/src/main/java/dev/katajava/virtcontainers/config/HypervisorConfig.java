package dev.katajava.virtcontainers.config;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code [hypervisor.<name>]} table. As in Kata, a maximum of 0 means the host's: all its CPUs, all its
 * memory; {@link #defaultMaxVcpus} and {@link #defaultMaxMemoryMiB} hold the configured values.
 * {@link #virtioFs} is null unless {@link #sharedFs} is {@code virtio-fs}.
 * {@link #enableAnnotations} lists the regular expressions a pod's hypervisor annotation names must match
 * (the part after {@code io.katacontainers.config.hypervisor.}) to override these values.
 * {@link #guestHookPath} is a guest directory of OCI hooks the agent runs for every container, or empty.
 * {@link #image} is the guest's read-only root image (Kata's {@code image}), or null to boot from
 * {@link #initrd} alone; with an image, {@link #initrd} is the loader that mounts it.
 * {@link #reclaimGuestFreedMemory} has the guest hand the pages it frees back to the host.
 */
public record HypervisorConfig(
        String name,
        Path path,
        Path kernel,
        Path initrd,
        String machineType,
        List<String> kernelParams,
        int defaultVcpus,
        int defaultMaxVcpus,
        int defaultMemoryMiB,
        int defaultMaxMemoryMiB,
        int memorySlots,
        String sharedFs,
        VirtioFsConfig virtioFs,
        Accelerator accelerator,
        boolean enableDebug,
        List<String> enableAnnotations,
        String guestHookPath,
        Path image,
        boolean reclaimGuestFreedMemory) {
}
