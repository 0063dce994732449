package dev.katajava.virtcontainers.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The effective configuration and the file it came from.
 *
 * @param source   the file that was read
 * @param disableGuestSeccomp true to drop containers' seccomp profiles instead of enforcing them in the guest
 * @param warnings things that were accepted but look wrong (unknown keys), each naming key and line
 */
public record RuntimeConfig(
        Path source,
        HypervisorConfig hypervisor,
        AgentConfig agent,
        boolean enableDebug,
        boolean disableGuestSeccomp,
        List<String> warnings) {

    /** True when any section asked for debug output. */
    public boolean debug() {
        return enableDebug || hypervisor.enableDebug() || agent.enableDebug();
    }
}
