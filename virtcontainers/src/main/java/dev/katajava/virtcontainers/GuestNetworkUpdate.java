package dev.katajava.virtcontainers;

import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.network.GuestNetwork;
import java.util.ArrayList;
import java.util.List;

/** Carries a change of the pod's network to the guest through the agent's network calls. */
final class GuestNetworkUpdate {
    private static final Log LOG = Log.of("virtcontainers");

    private GuestNetworkUpdate() {
    }

    /** Tells the guest what changed in the pod's network: interfaces first, then routes, then neighbours. */
    static void apply(AgentClient agent, GuestNetwork changes) throws TtrpcException {
        for (var iface : changes.interfaces()) {
            var now = agent.updateInterface(iface);
            LOG.info("guest interface configured", "name", now.getName(), "mac", now.getHwAddr(), "mtu", now.getMtu(),
                    "addresses", now.getIPAddressesCount());
        }
        if (changes.routes() != null) {
            List<String> now = new ArrayList<>();
            for (var r : agent.updateRoutes(changes.routes())) {
                now.add((r.getDest().isEmpty() ? "default" : r.getDest())
                        + (r.getGateway().isEmpty() ? "" : " via " + r.getGateway()) + " dev " + r.getDevice()
                        + (r.getMtu() == 0 ? "" : " mtu " + r.getMtu()));
            }
            LOG.info("guest routes", "routes", String.join("; ", now));
        }
        if (!changes.neighbours().isEmpty()) {
            agent.addArpNeighbors(changes.neighbours());
        }
    }
}
