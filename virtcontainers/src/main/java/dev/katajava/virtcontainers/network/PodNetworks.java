package dev.katajava.virtcontainers.network;

import dev.katajava.linux.Fds;
import dev.katajava.virtcontainers.config.NetworkConfig;
import java.nio.file.Path;

/** Picks the network model a sandbox uses. */
public final class PodNetworks {
    private PodNetworks() {
    }

    /** The model {@code config} names, joined to the spec's namespace (none when the spec has no path). */
    public static PodNetwork open(NetworkConfig config, PodNetworkSpec spec, Path runDir) throws NetworkException {
        if (spec.netns() == null || config.model() == NetworkConfig.Model.NONE) {
            return new NoNetwork();
        }
        return TcFilterNetwork.open(spec.netns(), runDir, !config.disableVhostNet() && vhostNetOpens());
    }

    private static boolean vhostNetOpens() {
        try {
            Fds.close(Fds.open("/dev/vhost-net", Fds.O_RDWR | Fds.O_CLOEXEC, 0));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
