package dev.katajava.virtcontainers.hypervisor;

import java.io.IOException;

/**
 * Host processes outside the VMM that serve one VMM process only (a virtiofsd exits when its vhost-user
 * peer goes). They are started afresh before every launch of the VMM, a relaunch after a failed KVM probe
 * included.
 */
@FunctionalInterface
public interface LaunchBackends {
    /** Nothing outside the VMM. */
    LaunchBackends NONE = () -> { };

    /** Starts them for the next launch, stopping those of an earlier launch first. */
    void startForLaunch() throws IOException;
}
