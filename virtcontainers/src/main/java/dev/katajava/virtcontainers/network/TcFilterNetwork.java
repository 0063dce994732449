package dev.katajava.virtcontainers.network;

import dev.katajava.linux.Fds;
import dev.katajava.linux.NetNs;
import dev.katajava.linux.Tun;
import dev.katajava.linux.netlink.Link;
import dev.katajava.linux.netlink.LinkAddress;
import dev.katajava.linux.netlink.NetlinkSocket;
import dev.katajava.linux.netlink.Neighbour;
import dev.katajava.linux.netlink.Rtnetlink;
import dev.katajava.linux.netlink.Rtnl;
import dev.katajava.linux.netlink.RouteEntry;
import dev.katajava.linux.netlink.TrafficControl;
import dev.katajava.logging.Log;
import dev.katajava.protocols.types.ARPNeighbor;
import dev.katajava.protocols.types.Interface;
import dev.katajava.protocols.types.Route;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kata's {@code tcfilter} model. For each pod interface with an address: a tap {@code tapN_kata} in the pod's
 * namespace (same MTU, up), an ingress qdisc on both, and u32 match-all filters redirecting everything that
 * arrives on one out of the other. The tap's descriptor goes to the VMM, whose NIC gets the pod interface's
 * MAC, so the peer (a CNI bridge, another veth end) keeps talking to the address it learned. The VMM stays
 * in the host's namespace; only the tap descriptor is opened inside the pod's.
 */
public final class TcFilterNetwork implements PodNetwork {
    private static final Log LOG = Log.of("network");
    /** Link kinds a tap can be paired with by filters ({@code tun} is how netlink names a tap). */
    static final Set<String> SUPPORTED_KINDS = Set.of("veth", "macvlan", "ipvlan", "tun");
    /** NIC ports beyond the interfaces present at boot, for ones that appear later. */
    static final int SPARE_SLOTS = 2;
    private static final int WATCHED_GROUPS = Rtnetlink.RTMGRP_LINK | Rtnetlink.RTMGRP_IPV4_IFADDR
            | Rtnetlink.RTMGRP_IPV6_IFADDR | Rtnetlink.RTMGRP_IPV4_ROUTE | Rtnetlink.RTMGRP_IPV6_ROUTE;

    private final Path netns;
    private final Path runDir;
    private final boolean vhost;
    private final NetlinkSocket nl;
    private final NetlinkSocket watch;
    private final Map<Integer, Connected> connected = new LinkedHashMap<>();
    private final Set<Integer> taps = new HashSet<>();
    private final Set<String> refused = new HashSet<>();
    private final Set<ARPNeighbor> neighboursSent = new HashSet<>();
    private List<Route> routesSent = List.of();
    private boolean synced;
    private int next;

    /** A pod interface joined to a NIC. */
    private record Connected(Link link, String tap, int tapIndex, String nicId, String pciPath, Interface sent) {
        Connected withSent(Interface i) {
            return new Connected(link, tap, tapIndex, nicId, pciPath, i);
        }
    }

    private TcFilterNetwork(Path netns, Path runDir, boolean vhost, NetlinkSocket nl, NetlinkSocket watch) {
        this.netns = netns;
        this.runDir = runDir;
        this.vhost = vhost;
        this.nl = nl;
        this.watch = watch;
    }

    /** Opens netlink sockets inside {@code netns}; {@code runDir} gets the record {@code delete} cleans up with. */
    public static TcFilterNetwork open(Path netns, Path runDir, boolean vhost) throws NetworkException {
        NetlinkSocket nl = null;
        try {
            nl = NetNs.call(netns, NetlinkSocket::open);
            refuseUnsupported(netns, nl);
            NetlinkSocket watch = NetNs.call(netns, () -> NetlinkSocket.open(WATCHED_GROUPS));
            return new TcFilterNetwork(netns, runDir, vhost, nl, watch);
        } catch (NetworkException e) {
            nl.close();
            throw e;
        } catch (Exception e) {
            if (nl != null) {
                nl.close();
            }
            throw new NetworkException("cannot open netlink in network namespace " + netns + ": " + e.getMessage(), e);
        }
    }

    /** Fails before any VM boots when the namespace has an interface this model cannot connect. */
    private static void refuseUnsupported(Path netns, NetlinkSocket nl) throws Exception {
        List<LinkAddress> addresses = Rtnl.addresses(nl);
        for (Link link : Rtnl.links(nl)) {
            if (!link.isLoopback() && hasAddress(link, addresses) && !SUPPORTED_KINDS.contains(link.kind())) {
                throw new NetworkException(unsupported(netns, link));
            }
        }
    }

    private static String unsupported(Path netns, Link link) {
        return "pod interface " + link.name() + " in " + netns + " is of kind \""
                + (link.kind().isEmpty() ? "device" : link.kind())
                + "\", which this runtime cannot connect to the VM (supported: veth, macvlan, ipvlan, tap)";
    }

    private static boolean hasAddress(Link link, List<LinkAddress> addresses) {
        for (LinkAddress a : addresses) {
            if (a.index() == link.index() && a.scope() == Rtnetlink.RT_SCOPE_UNIVERSE) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized int nicSlots() {
        try {
            List<LinkAddress> addresses = Rtnl.addresses(nl);
            int n = 0;
            for (Link l : Rtnl.links(nl)) {
                if (isPodInterface(l, addresses)) {
                    n++;
                }
            }
            return Math.min(VmSpec.MAX_NIC_SLOTS, n + SPARE_SLOTS);
        } catch (Exception e) {
            return SPARE_SLOTS;
        }
    }

    @Override
    public synchronized GuestNetwork sync(Hypervisor vm) throws NetworkException {
        boolean first = !synced;
        synced = true;
        List<Link> links;
        List<LinkAddress> addresses;
        try {
            links = Rtnl.links(nl);
            addresses = Rtnl.addresses(nl);
        } catch (Exception e) {
            throw new NetworkException("cannot read the interfaces of network namespace " + netns + ": "
                    + e.getMessage(), e);
        }
        List<Interface> changed = new ArrayList<>();
        for (Link link : links) {
            if (!isPodInterface(link, addresses)) {
                continue;
            }
            Connected c = connected.get(link.index());
            if (c == null) {
                if (!SUPPORTED_KINDS.contains(link.kind())) {
                    String why = unsupported(netns, link);
                    if (first) {
                        throw new NetworkException(why);
                    }
                    if (refused.add(link.name())) {
                        LOG.warn("interface not connected", "reason", why);
                    }
                    continue;
                }
                c = connect(vm, link);
            }
            Interface want = GuestTypes.toInterface(link, addresses, c.pciPath());
            if (!want.equals(c.sent())) {
                changed.add(want);
                c = c.withSent(want);
            }
            connected.put(link.index(), c);
        }
        List<Route> routes = routes();
        List<Route> routesChanged = routes.equals(routesSent) ? null : routes;
        routesSent = routes;
        List<ARPNeighbor> neighbours = new ArrayList<>();
        for (ARPNeighbor n : neighbours()) {
            if (neighboursSent.add(n)) {
                neighbours.add(n);
            }
        }
        return new GuestNetwork(changed, routesChanged, neighbours);
    }

    private boolean isPodInterface(Link link, List<LinkAddress> addresses) {
        return !link.isLoopback() && !taps.contains(link.index()) && hasAddress(link, addresses);
    }

    /** Tap, filters and NIC for {@code link}; every step that fails undoes the ones before. */
    private Connected connect(Hypervisor vm, Link link) throws NetworkException {
        int n = next++;
        String tap = "tap" + n + "_kata";
        String nicId = "net" + n;
        int fd = -1;
        boolean linkQdisc = false;
        String step = "create tap " + tap;
        try {
            fd = NetNs.call(netns, () -> Tun.openTap(tap));
            step = "find tap " + tap;
            int tapIndex = indexOf(tap);
            taps.add(tapIndex);
            step = "set " + tap + " mtu " + link.mtu() + " up";
            Rtnl.setLink(nl, tapIndex, null, link.mtu(), true);
            step = "filters";
            TrafficControl.addIngressQdisc(nl, link.index(), link.name());
            linkQdisc = true;
            TrafficControl.addIngressQdisc(nl, tapIndex, tap);
            TrafficControl.addRedirect(nl, link.index(), link.name(), tapIndex, tap);
            TrafficControl.addRedirect(nl, tapIndex, tap, link.index(), link.name());
            List<String> names = new ArrayList<>();
            for (Connected c : connected.values()) {
                names.add(c.link().name());
            }
            names.add(link.name());
            step = "record";
            NetworkRecord.write(runDir, netns, names);
            step = "plug NIC " + nicId;
            String pci = vm.addNetDevice(new NetDevice(nicId, fd, link.mac(), link.mtu(), vhost));
            LOG.info("pod interface connected", "netns", netns, "link", link.name(), "kind", link.kind(),
                    "tap", tap, "mac", link.mac(), "mtu", link.mtu(), "pci", pci);
            return new Connected(link, tap, tapIndex, nicId, pci, null);
        } catch (Exception e) {
            if (linkQdisc) {
                NetworkRecord.removeFilters(nl, link);
            }
            throw new NetworkException("cannot connect pod interface " + link.name() + " (" + netns + ") to the VM"
                    + ", step \"" + step + "\": " + e.getMessage(), e);
        } finally {
            if (fd >= 0) {
                closeQuietly(fd);
            }
        }
    }

    private int indexOf(String name) throws Exception {
        for (Link l : Rtnl.links(nl)) {
            if (l.name().equals(name)) {
                return l.index();
            }
        }
        throw new NetworkException("tap " + name + " was created but is not listed");
    }

    private List<Route> routes() throws NetworkException {
        List<Route> out = new ArrayList<>();
        try {
            for (int family : new int[] {Rtnetlink.AF_INET, Rtnetlink.AF_INET6}) {
                for (RouteEntry r : Rtnl.routes(nl, family)) {
                    Connected c = connected.get(r.outputIndex());
                    if (c != null && GuestTypes.carried(r)) {
                        out.add(GuestTypes.toRoute(r, c.link().name()));
                    }
                }
            }
        } catch (Exception e) {
            throw new NetworkException("cannot read the routes of network namespace " + netns + ": " + e.getMessage(),
                    e);
        }
        // On-link routes first: a gateway must be reachable when its route is added.
        List<Route> ordered = new ArrayList<>();
        out.stream().filter(r -> r.getGateway().isEmpty()).forEach(ordered::add);
        out.stream().filter(r -> !r.getGateway().isEmpty()).forEach(ordered::add);
        return ordered;
    }

    private List<ARPNeighbor> neighbours() throws NetworkException {
        List<ARPNeighbor> out = new ArrayList<>();
        try {
            for (Neighbour n : Rtnl.neighbours(nl)) {
                Connected c = connected.get(n.index());
                if (c != null && (n.state() & Rtnetlink.NUD_PERMANENT) != 0 && !n.lladdr().isEmpty()) {
                    out.add(GuestTypes.toNeighbour(n, c.link().name()));
                }
            }
        } catch (Exception e) {
            throw new NetworkException("cannot read the neighbours of network namespace " + netns + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public boolean awaitChange(int timeoutMillis) throws NetworkException {
        try {
            if (watch.awaitNotifications(timeoutMillis).isEmpty()) {
                return false;
            }
            // A burst (an interface with its addresses and routes) is one change.
            while (!watch.awaitNotifications(100).isEmpty()) {
                // drained
            }
            return true;
        } catch (Exception e) {
            throw new NetworkException("watching network namespace " + netns + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean watches() {
        return true;
    }

    @Override
    public synchronized void close() {
        for (Connected c : connected.values()) {
            NetworkRecord.removeFilters(nl, c.link());
        }
        connected.clear();
        nl.close();
        watch.close();
        NetworkRecord.remove(runDir);
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (Exception e) {
            // Closed either way.
        }
    }
}
