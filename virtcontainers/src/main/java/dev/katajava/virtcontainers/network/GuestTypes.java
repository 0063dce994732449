package dev.katajava.virtcontainers.network;

import dev.katajava.linux.netlink.Link;
import dev.katajava.linux.netlink.LinkAddress;
import dev.katajava.linux.netlink.Neighbour;
import dev.katajava.linux.netlink.Rtnetlink;
import dev.katajava.linux.netlink.RouteEntry;
import dev.katajava.protocols.types.ARPNeighbor;
import dev.katajava.protocols.types.IPAddress;
import dev.katajava.protocols.types.IPFamily;
import dev.katajava.protocols.types.Interface;
import dev.katajava.protocols.types.Route;
import java.net.InetAddress;
import java.util.List;

/** The host's view of a pod interface, route or neighbour as the agent API's types carry it. */
public final class GuestTypes {
    private GuestTypes() {
    }

    /** The guest NIC for pod link {@code link}: same name, MAC, MTU and addresses (link-local ones excepted). */
    public static Interface toInterface(Link link, List<LinkAddress> addresses, String pciPath) {
        Interface.Builder b = Interface.newBuilder()
                .setDevice(link.name())
                .setName(link.name())
                .setMtu(link.mtu())
                .setHwAddr(link.mac())
                .setDevicePath(pciPath)
                .setType(link.kind().equals("tun") ? "tap" : link.kind());
        for (LinkAddress a : addresses) {
            if (a.index() == link.index() && a.scope() == Rtnetlink.RT_SCOPE_UNIVERSE) {
                b.addIPAddresses(IPAddress.newBuilder().setFamily(family(a.address()))
                        .setAddress(a.address().getHostAddress()).setMask(Integer.toString(a.prefixLength())));
            }
        }
        return b.build();
    }

    /** A route of the pod's namespace through {@code device}. */
    public static Route toRoute(RouteEntry r, String device) {
        Route.Builder b = Route.newBuilder()
                .setDest(r.destinationCidr())
                .setDevice(device)
                .setScope(r.scope())
                .setFamily(r.family() == Rtnetlink.AF_INET6 ? IPFamily.v6 : IPFamily.v4)
                .setFlags(r.flags())
                .setMtu(r.mtu());
        if (r.gateway() != null) {
            b.setGateway(r.gateway().getHostAddress());
        }
        if (r.preferredSource() != null) {
            b.setSource(r.preferredSource().getHostAddress());
        }
        return b.build();
    }

    /** A permanent neighbour of the pod's namespace on {@code device}. */
    public static ARPNeighbor toNeighbour(Neighbour n, String device) {
        return ARPNeighbor.newBuilder()
                .setToIPAddress(IPAddress.newBuilder().setFamily(family(n.destination()))
                        .setAddress(n.destination().getHostAddress())
                        .setMask(n.destination().getAddress().length == 16 ? "128" : "32"))
                .setDevice(device)
                .setLladdr(n.lladdr())
                .setState(n.state())
                .setFlags(n.flags())
                .build();
    }

    /** Whether a route of the namespace belongs in the guest: unicast, not IPv6 link-local or multicast. */
    public static boolean carried(RouteEntry r) {
        if (r.type() != Rtnetlink.RTN_UNICAST) {
            return false;
        }
        InetAddress d = r.destination();
        return d == null || !(d.isLinkLocalAddress() || d.isMulticastAddress());
    }

    private static IPFamily family(InetAddress a) {
        return a.getAddress().length == 16 ? IPFamily.v6 : IPFamily.v4;
    }
}
