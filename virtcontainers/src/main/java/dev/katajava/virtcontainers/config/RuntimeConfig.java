package dev.katajava.virtcontainers.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The effective configuration and the file it came from.
 *
 * @param source   the file that was read
 * @param disableGuestSeccomp true to drop containers' seccomp profiles instead of enforcing them in the guest
 * @param disableHostSocketForwarding true to leave host Unix sockets in bind mounts unreachable from the guest
 * @param usePassfdIo true to carry stdio over one direct stream per process stream when the agent offers
 *                    that, false to keep every byte on the agent API (ReadStdout/WriteStdin)
 * @param warnings things that were accepted but look wrong (unknown keys), each naming key and line
 * @param network  how pods' network namespaces reach the VM
 */
public record RuntimeConfig(
        Path source,
        HypervisorConfig hypervisor,
        AgentConfig agent,
        boolean enableDebug,
        boolean disableGuestSeccomp,
        boolean disableHostSocketForwarding,
        boolean usePassfdIo,
        List<String> warnings,
        NetworkConfig network) {

    /** True when any section asked for debug output. */
    public boolean debug() {
        return enableDebug || hypervisor.enableDebug() || agent.enableDebug();
    }
}
