package dev.katajava.virtcontainers.network;

import dev.katajava.protocols.types.ARPNeighbor;
import dev.katajava.protocols.types.Interface;
import dev.katajava.protocols.types.Route;
import java.util.List;

/**
 * What the guest must be told after a look at the pod's namespace.
 *
 * @param interfaces NICs new or changed since the last look (UpdateInterface each, in order)
 * @param routes     every route of the connected interfaces when they changed (UpdateRoutes); null if unchanged
 * @param neighbours permanent neighbours not sent before (AddARPNeighbors)
 */
public record GuestNetwork(List<Interface> interfaces, List<Route> routes, List<ARPNeighbor> neighbours) {
    /** Nothing to tell. */
    public static final GuestNetwork UNCHANGED = new GuestNetwork(List.of(), null, List.of());

    public GuestNetwork {
        interfaces = List.copyOf(interfaces);
        routes = routes == null ? null : List.copyOf(routes);
        neighbours = List.copyOf(neighbours);
    }

    public boolean isEmpty() {
        return interfaces.isEmpty() && routes == null && neighbours.isEmpty();
    }
}
