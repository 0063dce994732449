package dev.katajava.agent.network;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.netlink.Link;
import dev.katajava.linux.netlink.LinkAddress;
import dev.katajava.linux.netlink.NetlinkException;
import dev.katajava.linux.netlink.NetlinkSocket;
import dev.katajava.linux.netlink.Neighbour;
import dev.katajava.linux.netlink.Rtnetlink;
import dev.katajava.linux.netlink.Rtnl;
import dev.katajava.linux.netlink.RouteEntry;
import dev.katajava.logging.Log;
import dev.katajava.protocols.types.ARPNeighbor;
import dev.katajava.protocols.types.IPAddress;
import dev.katajava.protocols.types.IPFamily;
import dev.katajava.protocols.types.Interface;
import dev.katajava.protocols.types.Route;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The guest's side of Kata's network calls, over netlink: a NIC the host plugged is found by its hardware
 * address, renamed, given its MTU and addresses and brought up; routes and permanent neighbours follow.
 * Where the guest has IPv6 disabled, IPv6 addresses and routes are skipped with a warning, not a failure.
 */
public final class GuestLinks {
    private static final Log LOG = Log.of("network");
    private static final int EACCES = 13;
    private static final int EAFNOSUPPORT = 97;
    private static final int EOPNOTSUPP = 95;
    private static final long POLL_MILLIS = 50;

    private final Duration nicPatience;
    private NetlinkSocket nl;

    /** {@code nicPatience}: how long to wait for a NIC that was just plugged to show up. */
    public GuestLinks(Duration nicPatience) {
        this.nicPatience = nicPatience;
    }

    private synchronized NetlinkSocket socket() throws ErrnoException {
        if (nl == null) {
            nl = NetlinkSocket.open();
        }
        return nl;
    }

    /** Kata's UpdateInterface; returns the link as it now is. */
    public synchronized Interface update(Interface want) throws IOException, InterruptedException {
        NetlinkSocket s = socket();
        Link link = find(s, want);
        String name = want.getName().isEmpty() ? link.name() : want.getName();
        Rtnl.setLink(s, link.index(), null, 0, false);
        Rtnl.setLink(s, link.index(), name.equals(link.name()) ? null : name, (int) want.getMtu(), null);
        Set<String> wanted = new HashSet<>();
        for (IPAddress a : want.getIPAddressesList()) {
            wanted.add(InetAddress.getByName(a.getAddress()).getHostAddress() + "/" + a.getMask());
        }
        for (LinkAddress have : Rtnl.addresses(s)) {
            if (have.index() == link.index() && have.scope() == Rtnetlink.RT_SCOPE_UNIVERSE
                    && !wanted.contains(have.address().getHostAddress() + "/" + have.prefixLength())) {
                Rtnl.deleteAddress(s, link.index(), have.address(), have.prefixLength());
            }
        }
        for (IPAddress a : want.getIPAddressesList()) {
            InetAddress addr = address(a.getAddress(), name);
            int prefix = prefix(a.getMask(), addr, name);
            try {
                Rtnl.addAddress(s, link.index(), addr, prefix);
            } catch (NetlinkException e) {
                if (!ipv6Disabled(addr, e)) {
                    throw e;
                }
                LOG.warn("IPv6 is disabled in the guest; address skipped", "link", name, "address", a.getAddress());
            }
        }
        Rtnl.setLink(s, link.index(), null, 0, true);
        LOG.info("interface configured", "link", name, "mac", link.mac(), "mtu", want.getMtu(),
                "addresses", want.getIPAddressesCount());
        for (Interface i : list()) {
            if (i.getName().equals(name)) {
                return i;
            }
        }
        throw new IOException("link " + name + " vanished while it was configured");
    }

    /**
     * Kata's UpdateRoutes: the routes the runtime installed before on the named devices are replaced by
     * {@code routes} (on-link ones first, so gateways are reachable). Returns the main table now.
     */
    public synchronized List<Route> updateRoutes(List<Route> routes) throws IOException {
        NetlinkSocket s = socket();
        List<Link> links = Rtnl.links(s);
        Set<Integer> devices = new HashSet<>();
        for (Route r : routes) {
            devices.add(indexOf(links, r.getDevice(), "route " + r.getDest()));
        }
        for (int family : new int[] {Rtnetlink.AF_INET, Rtnetlink.AF_INET6}) {
            for (RouteEntry have : Rtnl.routes(s, family)) {
                if (devices.contains(have.outputIndex()) && have.protocol() == Rtnetlink.RTPROT_BOOT) {
                    Rtnl.deleteRoute(s, have);
                }
            }
        }
        List<Route> ordered = new ArrayList<>();
        routes.stream().filter(r -> r.getGateway().isEmpty()).forEach(ordered::add);
        routes.stream().filter(r -> !r.getGateway().isEmpty()).forEach(ordered::add);
        for (Route r : ordered) {
            RouteEntry e = toEntry(r, indexOf(links, r.getDevice(), "route " + r.getDest()));
            try {
                Rtnl.addRoute(s, e);
            } catch (NetlinkException ex) {
                if (!ipv6Disabled(e.destination() != null ? e.destination() : e.gateway(), ex)
                        && !(e.family() == Rtnetlink.AF_INET6 && ex.errno() == EACCES)) {
                    throw ex;
                }
                LOG.warn("IPv6 is disabled in the guest; route skipped", "route", r.getDest());
            }
        }
        return routes();
    }

    /** Kata's AddARPNeighbors. */
    public synchronized void addNeighbours(List<ARPNeighbor> neighbours) throws IOException {
        NetlinkSocket s = socket();
        List<Link> links = Rtnl.links(s);
        for (ARPNeighbor n : neighbours) {
            int index = indexOf(links, n.getDevice(), "neighbour " + n.getToIPAddress().getAddress());
            InetAddress to = address(n.getToIPAddress().getAddress(), n.getDevice());
            int state = n.getState() == 0 ? Rtnetlink.NUD_PERMANENT : n.getState();
            Rtnl.addNeighbour(s, new Neighbour(index, to, n.getLladdr(), state, n.getFlags()));
        }
    }

    /** Kata's ListInterfaces: every link with all its addresses. */
    public synchronized List<Interface> list() throws IOException {
        NetlinkSocket s = socket();
        List<LinkAddress> addresses = Rtnl.addresses(s);
        List<Interface> out = new ArrayList<>();
        for (Link l : Rtnl.links(s)) {
            Interface.Builder b = Interface.newBuilder().setDevice(l.name()).setName(l.name()).setMtu(l.mtu())
                    .setHwAddr(l.mac()).setType(l.kind()).setRawFlags(l.flags());
            for (LinkAddress a : addresses) {
                if (a.index() == l.index()) {
                    b.addIPAddresses(IPAddress.newBuilder().setFamily(a.isIpv6() ? IPFamily.v6 : IPFamily.v4)
                            .setAddress(a.address().getHostAddress()).setMask(Integer.toString(a.prefixLength())));
                }
            }
            out.add(b.build());
        }
        return out;
    }

    /** Kata's ListRoutes: the main table of both families. */
    public synchronized List<Route> routes() throws IOException {
        NetlinkSocket s = socket();
        List<Link> links = Rtnl.links(s);
        List<Route> out = new ArrayList<>();
        for (int family : new int[] {Rtnetlink.AF_INET, Rtnetlink.AF_INET6}) {
            for (RouteEntry r : Rtnl.routes(s, family)) {
                String device = "";
                for (Link l : links) {
                    if (l.index() == r.outputIndex()) {
                        device = l.name();
                    }
                }
                Route.Builder b = Route.newBuilder().setDest(r.destinationCidr()).setDevice(device)
                        .setScope(r.scope()).setFamily(family == Rtnetlink.AF_INET6 ? IPFamily.v6 : IPFamily.v4)
                        .setFlags(r.flags()).setMtu(r.mtu());
                if (r.gateway() != null) {
                    b.setGateway(r.gateway().getHostAddress());
                }
                if (r.preferredSource() != null) {
                    b.setSource(r.preferredSource().getHostAddress());
                }
                out.add(b.build());
            }
        }
        return out;
    }

    private Link find(NetlinkSocket s, Interface want) throws IOException, InterruptedException {
        String mac = want.getHwAddr().toLowerCase(Locale.ROOT);
        if (!mac.isEmpty()) {
            Link.parseMac(mac);
        } else if (want.getDevice().isEmpty()) {
            throw new IllegalArgumentException("interface names neither hwAddr nor device");
        }
        long deadline = System.nanoTime() + nicPatience.toNanos();
        while (true) {
            for (Link l : Rtnl.links(s)) {
                if (mac.isEmpty() ? l.name().equals(want.getDevice()) : l.mac().equals(mac)) {
                    return l;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new java.io.FileNotFoundException("no link with " + (mac.isEmpty() ? "name " + want.getDevice()
                        : "hardware address " + mac) + " appeared within " + nicPatience.toSeconds() + " s");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static int indexOf(List<Link> links, String device, String what) {
        for (Link l : links) {
            if (l.name().equals(device)) {
                return l.index();
            }
        }
        throw new IllegalArgumentException(what + ": no link named \"" + device + "\"");
    }

    static RouteEntry toEntry(Route r, int index) throws IOException {
        int family = r.getFamily() == IPFamily.v6 ? Rtnetlink.AF_INET6 : Rtnetlink.AF_INET;
        InetAddress dst = null;
        int prefix = 0;
        if (!r.getDest().isEmpty() && !r.getDest().equals("default")) {
            int slash = r.getDest().indexOf('/');
            dst = address(slash < 0 ? r.getDest() : r.getDest().substring(0, slash), r.getDevice());
            prefix = slash < 0 ? dst.getAddress().length * 8 : prefix(r.getDest().substring(slash + 1), dst,
                    r.getDevice());
            family = dst.getAddress().length == 16 ? Rtnetlink.AF_INET6 : Rtnetlink.AF_INET;
        }
        InetAddress gw = r.getGateway().isEmpty() ? null : address(r.getGateway(), r.getDevice());
        InetAddress src = r.getSource().isEmpty() ? null : address(r.getSource(), r.getDevice());
        int scope = r.getScope();
        if (gw == null && dst != null && scope == Rtnetlink.RT_SCOPE_UNIVERSE && family == Rtnetlink.AF_INET) {
            scope = Rtnetlink.RT_SCOPE_LINK;
        }
        return new RouteEntry(family, dst, prefix, gw, index, src, scope, Rtnetlink.RTPROT_BOOT,
                Rtnetlink.RTN_UNICAST, r.getMtu(), 0);
    }

    /** A numeric address only: a name would mean a DNS lookup. */
    static InetAddress address(String text, String device) throws IOException {
        if (text.isEmpty() || !text.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("\"" + text + "\" (" + device + ") is not a numeric IP address");
        }
        return InetAddress.getByName(text);
    }

    static int prefix(String mask, InetAddress addr, String device) {
        int max = addr.getAddress().length * 8;
        try {
            int p = Integer.parseInt(mask);
            if (p >= 0 && p <= max) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("prefix length \"" + mask + "\" of " + addr.getHostAddress() + " ("
                + device + ") is not between 0 and " + max);
    }

    private static boolean ipv6Disabled(InetAddress addr, NetlinkException e) {
        return addr != null && addr.getAddress().length == 16
                && (e.errno() == EACCES || e.errno() == EAFNOSUPPORT || e.errno() == EOPNOTSUPP);
    }
}
