package dev.katajava.virtcontainers.vmsource;

import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.SharedFilesystem;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import java.nio.file.Path;

/**
 * What a sandbox asks of a VM source.
 *
 * @param size        the size its workload asks for
 * @param nicSlots    the NIC ports its pod network needs
 * @param vsockNeeded why it needs a vsock agent channel (host sockets to forward), or null
 */
public record VmRequest(String sandboxId, Path runDir, RuntimeConfig config, SharedFilesystem share, VmSize size,
                        int nicSlots, String vsockNeeded, HypervisorProvider provider, SandboxPaths paths) {
}
