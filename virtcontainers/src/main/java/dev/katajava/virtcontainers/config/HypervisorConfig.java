package dev.katajava.virtcontainers.config;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import java.nio.file.Path;
import java.util.List;

/** The {@code [hypervisor.<name>]} table. */
public record HypervisorConfig(
        String name,
        Path path,
        Path kernel,
        Path initrd,
        String machineType,
        List<String> kernelParams,
        int defaultVcpus,
        int defaultMemoryMiB,
        String sharedFs,
        Accelerator accelerator,
        boolean enableDebug) {
}
