package dev.katajava.virtcontainers.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.netlink.Link;
import dev.katajava.linux.netlink.LinkAddress;
import dev.katajava.linux.netlink.Neighbour;
import dev.katajava.linux.netlink.Rtnetlink;
import dev.katajava.linux.netlink.RouteEntry;
import dev.katajava.protocols.types.IPFamily;
import dev.katajava.protocols.types.Interface;
import dev.katajava.protocols.types.Route;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestTypesTest {

    @Test
    void theGuestInterfaceHasThePodLinksNameMacMtuAndGlobalAddressesOnly() throws Exception {
        Link eth0 = new Link(3, "eth0", "02:42:0a:00:00:02", 1400, Rtnetlink.IFF_UP, "veth");
        List<LinkAddress> addrs = List.of(
                new LinkAddress(3, InetAddress.getByName("10.0.0.2"), 24, 0, 0),
                new LinkAddress(3, InetAddress.getByName("fd00::2"), 64, 0, 0),
                new LinkAddress(3, InetAddress.getByName("fe80::42:aff:fe00:2"), 64, Rtnetlink.RT_SCOPE_LINK, 0),
                new LinkAddress(4, InetAddress.getByName("10.9.9.9"), 24, 0, 0));
        Interface i = GuestTypes.toInterface(eth0, addrs, "18/00");
        assertThat(i.getName()).isEqualTo("eth0");
        assertThat(i.getHwAddr()).isEqualTo("02:42:0a:00:00:02");
        assertThat(i.getMtu()).isEqualTo(1400);
        assertThat(i.getDevicePath()).isEqualTo("18/00");
        assertThat(i.getType()).isEqualTo("veth");
        assertThat(i.getIPAddressesList()).extracting(a -> a.getFamily().name() + " " + a.getAddress() + "/" + a.getMask())
                .containsExactly("v4 10.0.0.2/24", "v6 fd00:0:0:0:0:0:0:2/64");
    }

    @Test
    void aGatewayRouteKeepsItsMtuAndADefaultRouteHasNoDestination() throws Exception {
        RouteEntry r = new RouteEntry(Rtnetlink.AF_INET, null, 0, InetAddress.getByName("10.0.0.1"), 3, null, 0,
                Rtnetlink.RTPROT_BOOT, Rtnetlink.RTN_UNICAST, 1300, 0);
        Route route = GuestTypes.toRoute(r, "eth0");
        assertThat(route.getDest()).isEmpty();
        assertThat(route.getGateway()).isEqualTo("10.0.0.1");
        assertThat(route.getDevice()).isEqualTo("eth0");
        assertThat(route.getMtu()).isEqualTo(1300);
        assertThat(route.getFamily()).isEqualTo(IPFamily.v4);
    }

    @Test
    void linkLocalAndMulticastRoutesStayOnTheHost() throws Exception {
        RouteEntry ll = new RouteEntry(Rtnetlink.AF_INET6, InetAddress.getByName("fe80::"), 64, null, 3, null, 0,
                Rtnetlink.RTPROT_KERNEL, Rtnetlink.RTN_UNICAST, 0, 0);
        RouteEntry mc = new RouteEntry(Rtnetlink.AF_INET6, InetAddress.getByName("ff00::"), 8, null, 3, null, 0,
                Rtnetlink.RTPROT_KERNEL, Rtnetlink.RTN_UNICAST, 0, 0);
        RouteEntry subnet = new RouteEntry(Rtnetlink.AF_INET6, InetAddress.getByName("fd00::"), 64, null, 3, null,
                0, Rtnetlink.RTPROT_KERNEL, Rtnetlink.RTN_UNICAST, 0, 0);
        assertThat(GuestTypes.carried(ll)).isFalse();
        assertThat(GuestTypes.carried(mc)).isFalse();
        assertThat(GuestTypes.carried(subnet)).isTrue();
    }

    @Test
    void aPermanentNeighbourKeepsItsStateAndHardwareAddress() throws Exception {
        var n = GuestTypes.toNeighbour(new Neighbour(3, InetAddress.getByName("10.0.0.7"), "02:00:00:00:00:07",
                Rtnetlink.NUD_PERMANENT, 0), "eth0");
        assertThat(n.getToIPAddress().getAddress()).isEqualTo("10.0.0.7");
        assertThat(n.getToIPAddress().getMask()).isEqualTo("32");
        assertThat(n.getLladdr()).isEqualTo("02:00:00:00:00:07");
        assertThat(n.getState()).isEqualTo(Rtnetlink.NUD_PERMANENT);
    }
}
