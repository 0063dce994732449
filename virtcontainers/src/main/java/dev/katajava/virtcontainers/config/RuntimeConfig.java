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
 * @param factory  VM templating ({@code [factory]})
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
        NetworkConfig network,
        FactoryConfig factory) {

    /** A configuration without templating. */
    public RuntimeConfig(Path source, HypervisorConfig hypervisor, AgentConfig agent, boolean enableDebug,
                         boolean disableGuestSeccomp, boolean disableHostSocketForwarding, boolean usePassfdIo,
                         List<String> warnings, NetworkConfig network) {
        this(source, hypervisor, agent, enableDebug, disableGuestSeccomp, disableHostSocketForwarding, usePassfdIo,
                warnings, network, FactoryConfig.DISABLED);
    }

    /** True when any section asked for debug output. */
    public boolean debug() {
        return enableDebug || hypervisor.enableDebug() || agent.enableDebug();
    }
}
