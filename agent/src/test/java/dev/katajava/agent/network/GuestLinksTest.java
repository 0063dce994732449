package dev.katajava.agent.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.netlink.Rtnetlink;
import dev.katajava.linux.netlink.RouteEntry;
import dev.katajava.protocols.types.IPFamily;
import dev.katajava.protocols.types.Route;
import org.junit.jupiter.api.Test;

class GuestLinksTest {

    @Test
    void aDefaultRouteWithGatewayAndMtuBecomesARouteWithoutDestination() throws Exception {
        RouteEntry e = GuestLinks.toEntry(Route.newBuilder().setDest("").setGateway("10.0.0.1").setDevice("eth0")
                .setMtu(1300).build(), 2);
        assertThat(e.destination()).isNull();
        assertThat(e.gateway().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(e.outputIndex()).isEqualTo(2);
        assertThat(e.mtu()).isEqualTo(1300);
        assertThat(e.family()).isEqualTo(Rtnetlink.AF_INET);
    }

    @Test
    void anOnLinkSubnetRouteGetsLinkScopeAndItsFamilyFromTheDestination() throws Exception {
        RouteEntry v4 = GuestLinks.toEntry(Route.newBuilder().setDest("10.0.0.0/24").setDevice("eth0").build(), 2);
        assertThat(v4.prefixLength()).isEqualTo(24);
        assertThat(v4.scope()).isEqualTo(Rtnetlink.RT_SCOPE_LINK);
        RouteEntry v6 = GuestLinks.toEntry(Route.newBuilder().setDest("fd00::/64").setFamily(IPFamily.v4)
                .setDevice("eth0").build(), 2);
        assertThat(v6.family()).isEqualTo(Rtnetlink.AF_INET6);
        assertThat(v6.prefixLength()).isEqualTo(64);
    }

    @Test
    void namesAndBadPrefixesAreRefusedNamingTheDevice() {
        assertThatThrownBy(() -> GuestLinks.toEntry(Route.newBuilder().setDest("example.com/24").setDevice("eth0")
                .build(), 2)).hasMessageContaining("\"example.com\" (eth0) is not a numeric IP address");
        assertThatThrownBy(() -> GuestLinks.toEntry(Route.newBuilder().setDest("10.0.0.0/33").setDevice("eth0")
                .build(), 2)).hasMessageContaining("prefix length \"33\"").hasMessageContaining("(eth0)");
    }
}
