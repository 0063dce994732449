package dev.katajava.linux.netlink;

import static dev.katajava.linux.netlink.Rtnetlink.AF_INET;
import static dev.katajava.linux.netlink.Rtnetlink.AF_INET6;
import static dev.katajava.linux.netlink.Rtnetlink.AF_UNSPEC;

import dev.katajava.linux.ErrnoException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Links, addresses, routes and neighbours over a {@link NetlinkSocket}: the requests (built by the static
 * {@code *Request} methods, which tests check byte by byte) and the parsing of what the kernel reports.
 */
public final class Rtnl {
    private Rtnl() {
    }

    // ---- reading -------------------------------------------------------------------------------------

    public static List<Link> links(NetlinkSocket s) throws NetlinkException, ErrnoException {
        List<Link> out = new ArrayList<>();
        for (NlMessage m : s.dump(new NlWriter(Rtnetlink.RTM_GETLINK, 0).bytes(new byte[Rtnetlink.IFINFOMSG_LEN]),
                "list links")) {
            if (m.type() == Rtnetlink.RTM_NEWLINK) {
                out.add(parseLink(m));
            }
        }
        return out;
    }

    public static List<LinkAddress> addresses(NetlinkSocket s) throws NetlinkException, ErrnoException {
        List<LinkAddress> out = new ArrayList<>();
        for (NlMessage m : s.dump(new NlWriter(Rtnetlink.RTM_GETADDR, 0).bytes(new byte[Rtnetlink.IFADDRMSG_LEN]),
                "list addresses")) {
            if (m.type() == Rtnetlink.RTM_NEWADDR) {
                LinkAddress a = parseAddress(m);
                if (a != null) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** The main table's routes of {@code family} (AF_INET or AF_INET6). */
    public static List<RouteEntry> routes(NetlinkSocket s, int family) throws NetlinkException, ErrnoException {
        byte[] rtmsg = new byte[Rtnetlink.RTMSG_LEN];
        rtmsg[0] = (byte) family;
        List<RouteEntry> out = new ArrayList<>();
        for (NlMessage m : s.dump(new NlWriter(Rtnetlink.RTM_GETROUTE, 0).bytes(rtmsg), "list routes")) {
            if (m.type() == Rtnetlink.RTM_NEWROUTE) {
                RouteEntry r = parseRoute(m);
                if (r != null) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    public static List<Neighbour> neighbours(NetlinkSocket s) throws NetlinkException, ErrnoException {
        List<Neighbour> out = new ArrayList<>();
        for (NlMessage m : s.dump(new NlWriter(Rtnetlink.RTM_GETNEIGH, 0).bytes(new byte[Rtnetlink.NDMSG_LEN]),
                "list neighbours")) {
            if (m.type() == Rtnetlink.RTM_NEWNEIGH) {
                Neighbour n = parseNeighbour(m);
                if (n != null) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** A link from an RTM_NEWLINK message. */
    public static Link parseLink(NlMessage m) throws NetlinkException {
        NlAttributes a = m.attributes(Rtnetlink.IFINFOMSG_LEN);
        String kind = a.nested(Rtnetlink.IFLA_LINKINFO).string(Rtnetlink.IFLA_INFO_KIND);
        String name = a.string(Rtnetlink.IFLA_IFNAME);
        return new Link(m.payload().getInt(4), name == null ? "" : name, Link.formatMac(a.bytes(Rtnetlink.IFLA_ADDRESS)),
                a.u32(Rtnetlink.IFLA_MTU, 0), m.payload().getInt(8), kind == null ? "" : kind);
    }

    /** An address from an RTM_NEWADDR message; null for families other than IPv4 and IPv6. */
    public static LinkAddress parseAddress(NlMessage m) throws NetlinkException {
        NlAttributes a = m.attributes(Rtnetlink.IFADDRMSG_LEN);
        int family = m.payload().get(0) & 0xff;
        // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
        byte[] raw = a.has(Rtnetlink.IFA_LOCAL) ? a.bytes(Rtnetlink.IFA_LOCAL) : a.bytes(Rtnetlink.IFA_ADDRESS);
        InetAddress addr = inet(family, raw);
        if (addr == null) {
            return null;
        }
        int flags = a.u32(Rtnetlink.IFA_FLAGS, m.payload().get(2) & 0xff);
        return new LinkAddress(m.payload().getInt(4), addr, m.payload().get(1) & 0xff, m.payload().get(3) & 0xff, flags);
    }

    /** A main-table route from an RTM_NEWROUTE message; null for other tables and families. */
    public static RouteEntry parseRoute(NlMessage m) throws NetlinkException {
        NlAttributes a = m.attributes(Rtnetlink.RTMSG_LEN);
        var p = m.payload();
        int family = p.get(0) & 0xff;
        int table = a.u32(Rtnetlink.RTA_TABLE, p.get(4) & 0xff);
        if ((family != AF_INET && family != AF_INET6) || table != Rtnetlink.RT_TABLE_MAIN) {
            return null;
        }
        int dstLen = p.get(1) & 0xff;
        InetAddress dst = a.has(Rtnetlink.RTA_DST) ? inet(family, a.bytes(Rtnetlink.RTA_DST)) : null;
        if (dstLen > (family == AF_INET ? 32 : 128)) {
            throw new NetlinkException("route prefix length " + dstLen + " too long for its family");
        }
        return new RouteEntry(family, dst, dstLen, inet(family, a.bytes(Rtnetlink.RTA_GATEWAY)),
                a.u32(Rtnetlink.RTA_OIF, 0), inet(family, a.bytes(Rtnetlink.RTA_PREFSRC)), p.get(6) & 0xff,
                p.get(5) & 0xff, p.get(7) & 0xff, a.nested(Rtnetlink.RTA_METRICS).u32(Rtnetlink.RTAX_MTU, 0),
                p.getInt(8));
    }

    /** A neighbour from an RTM_NEWNEIGH message; null for families other than IPv4 and IPv6. */
    public static Neighbour parseNeighbour(NlMessage m) throws NetlinkException {
        NlAttributes a = m.attributes(Rtnetlink.NDMSG_LEN);
        var p = m.payload();
        InetAddress dst = inet(p.get(0) & 0xff, a.bytes(Rtnetlink.NDA_DST));
        if (dst == null) {
            return null;
        }
        return new Neighbour(p.getInt(4), dst, Link.formatMac(a.bytes(Rtnetlink.NDA_LLADDR)), p.getShort(8) & 0xffff,
                p.get(10) & 0xff);
    }

    private static InetAddress inet(int family, byte[] raw) throws NetlinkException {
        if (raw == null || (family != AF_INET && family != AF_INET6)) {
            return null;
        }
        if (raw.length != (family == AF_INET ? 4 : 16)) {
            throw new NetlinkException("address of " + raw.length + " bytes for address family " + family);
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new NetlinkException("bad address: " + e.getMessage());
        }
    }

    // ---- changing ------------------------------------------------------------------------------------

    /**
     * RTM_NEWLINK changing link {@code index}: a new name (null keeps it), MTU (0 keeps it) and state (null
     * keeps it).
     */
    public static NlWriter setLinkRequest(int index, String name, int mtu, Boolean up) {
        int flag = up == null ? 0 : Rtnetlink.IFF_UP;
        NlWriter w = new NlWriter(Rtnetlink.RTM_NEWLINK, 0)
                .u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(Boolean.TRUE.equals(up) ? flag : 0).u32(flag);
        if (name != null) {
            if (name.isEmpty() || name.length() > 15 || name.contains("/") || name.isBlank()) {
                throw new IllegalArgumentException("invalid interface name \"" + name + "\"");
            }
            w.attrString(Rtnetlink.IFLA_IFNAME, name);
        }
        if (mtu > 0) {
            w.attrU32(Rtnetlink.IFLA_MTU, mtu);
        }
        return w;
    }

    public static void setLink(NetlinkSocket s, int index, String name, int mtu, Boolean up)
            throws NetlinkException, ErrnoException {
        s.ack(setLinkRequest(index, name, mtu, up), "set link " + index
                + (name == null ? "" : " name " + name) + (mtu > 0 ? " mtu " + mtu : "")
                + (up == null ? "" : up ? " up" : " down"));
    }

    /** RTM_NEWADDR adding {@code address/prefix} to link {@code index} (IPv6 without duplicate detection). */
    public static NlWriter addAddressRequest(int index, InetAddress address, int prefix) {
        boolean v6 = address.getAddress().length == 16;
        if (prefix < 0 || prefix > (v6 ? 128 : 32)) {
            throw new IllegalArgumentException("prefix length " + prefix + " out of range for " + address.getHostAddress());
        }
        int flags = v6 ? Rtnetlink.IFA_F_NODAD : 0;
        return new NlWriter(Rtnetlink.RTM_NEWADDR, Rtnetlink.NLM_F_CREATE | Rtnetlink.NLM_F_REPLACE)
                .u8(v6 ? AF_INET6 : AF_INET).u8(prefix).u8(flags).u8(Rtnetlink.RT_SCOPE_UNIVERSE).u32(index)
                .attr(Rtnetlink.IFA_LOCAL, address.getAddress())
                .attr(Rtnetlink.IFA_ADDRESS, address.getAddress())
                .attrU32(Rtnetlink.IFA_FLAGS, flags);
    }

    public static void addAddress(NetlinkSocket s, int index, InetAddress address, int prefix)
            throws NetlinkException, ErrnoException {
        s.ack(addAddressRequest(index, address, prefix),
                "add address " + address.getHostAddress() + "/" + prefix + " to link " + index);
    }

    /** RTM_DELADDR removing {@code address/prefix} from link {@code index}. */
    public static NlWriter deleteAddressRequest(int index, InetAddress address, int prefix) {
        boolean v6 = address.getAddress().length == 16;
        return new NlWriter(Rtnetlink.RTM_DELADDR, 0)
                .u8(v6 ? AF_INET6 : AF_INET).u8(prefix).u8(0).u8(0).u32(index)
                .attr(Rtnetlink.IFA_LOCAL, address.getAddress())
                .attr(Rtnetlink.IFA_ADDRESS, address.getAddress());
    }

    public static void deleteAddress(NetlinkSocket s, int index, InetAddress address, int prefix)
            throws NetlinkException, ErrnoException {
        s.ack(deleteAddressRequest(index, address, prefix),
                "delete address " + address.getHostAddress() + "/" + prefix + " from link " + index);
    }

    /** RTM_NEWROUTE (replacing an equal one) or RTM_DELROUTE for {@code r} in the main table. */
    public static NlWriter routeRequest(RouteEntry r, boolean add) {
        int protocol = add ? Rtnetlink.RTPROT_BOOT : r.protocol();
        NlWriter w = new NlWriter(add ? Rtnetlink.RTM_NEWROUTE : Rtnetlink.RTM_DELROUTE,
                add ? Rtnetlink.NLM_F_CREATE | Rtnetlink.NLM_F_REPLACE : 0)
                .u8(r.family()).u8(r.destination() == null ? 0 : r.prefixLength()).u8(0).u8(0)
                .u8(Rtnetlink.RT_TABLE_MAIN).u8(protocol).u8(r.scope()).u8(Rtnetlink.RTN_UNICAST).u32(0);
        if (r.destination() != null) {
            w.attr(Rtnetlink.RTA_DST, r.destination().getAddress());
        }
        if (r.gateway() != null) {
            w.attr(Rtnetlink.RTA_GATEWAY, r.gateway().getAddress());
        }
        if (r.outputIndex() != 0) {
            w.attrU32(Rtnetlink.RTA_OIF, r.outputIndex());
        }
        if (r.preferredSource() != null) {
            w.attr(Rtnetlink.RTA_PREFSRC, r.preferredSource().getAddress());
        }
        if (add && r.mtu() > 0) {
            w.begin(Rtnetlink.RTA_METRICS).attrU32(Rtnetlink.RTAX_MTU, r.mtu()).end();
        }
        return w;
    }

    public static void addRoute(NetlinkSocket s, RouteEntry r) throws NetlinkException, ErrnoException {
        s.ack(routeRequest(r, true), "add route " + describe(r));
    }

    public static void deleteRoute(NetlinkSocket s, RouteEntry r) throws NetlinkException, ErrnoException {
        s.ack(routeRequest(r, false), "delete route " + describe(r));
    }

    /** RTM_NEWNEIGH adding or replacing a neighbour entry. */
    public static NlWriter neighbourRequest(Neighbour n) {
        boolean v6 = n.destination().getAddress().length == 16;
        return new NlWriter(Rtnetlink.RTM_NEWNEIGH, Rtnetlink.NLM_F_CREATE | Rtnetlink.NLM_F_REPLACE)
                .u8(v6 ? AF_INET6 : AF_INET).u8(0).u16(0).u32(n.index()).u16(n.state()).u8(n.flags()).u8(0)
                .attr(Rtnetlink.NDA_DST, n.destination().getAddress())
                .attr(Rtnetlink.NDA_LLADDR, Link.parseMac(n.lladdr()));
    }

    public static void addNeighbour(NetlinkSocket s, Neighbour n) throws NetlinkException, ErrnoException {
        s.ack(neighbourRequest(n), "add neighbour " + n.destination().getHostAddress() + " lladdr " + n.lladdr()
                + " on link " + n.index());
    }

    private static String describe(RouteEntry r) {
        return (r.destination() == null ? "default" : r.destinationCidr())
                + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress())
                + (r.outputIndex() == 0 ? "" : " dev " + r.outputIndex())
                + (r.mtu() == 0 ? "" : " mtu " + r.mtu());
    }
}
