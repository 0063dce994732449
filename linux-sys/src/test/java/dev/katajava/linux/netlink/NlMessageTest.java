package dev.katajava.linux.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NlMessageTest {

    @Test
    void aBuiltRequestSplitsBackIntoItsHeaderStructAndAttributes() throws Exception {
        byte[] msg = Rtnl.setLinkRequest(7, "eth0", 1400, true).finish(42);
        List<NlMessage> parts = NlMessage.split(ByteBuffer.wrap(msg));
        assertThat(parts).hasSize(1);
        NlMessage m = parts.getFirst();
        assertThat(m.type()).isEqualTo(Rtnetlink.RTM_NEWLINK);
        assertThat(m.seq()).isEqualTo(42);
        assertThat(m.flags() & Rtnetlink.NLM_F_REQUEST).isNotZero();
        assertThat(m.payload().getInt(4)).isEqualTo(7);
        assertThat(m.payload().getInt(8)).isEqualTo(Rtnetlink.IFF_UP);
        assertThat(m.payload().getInt(12)).isEqualTo(Rtnetlink.IFF_UP);
        NlAttributes a = m.attributes(Rtnetlink.IFINFOMSG_LEN);
        assertThat(a.string(Rtnetlink.IFLA_IFNAME)).isEqualTo("eth0");
        assertThat(a.u32(Rtnetlink.IFLA_MTU, 0)).isEqualTo(1400);
        assertThat(msg.length % 4).isZero();
        assertThat(ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder()).getInt(0)).isEqualTo(msg.length);
    }

    @Test
    void aRouteRequestCarriesGatewayDeviceAndMtuMetricNested() throws Exception {
        RouteEntry r = new RouteEntry(Rtnetlink.AF_INET, null, 0, InetAddress.getByName("10.1.0.1"), 3, null,
                Rtnetlink.RT_SCOPE_UNIVERSE, 0, Rtnetlink.RTN_UNICAST, 1300, 0);
        NlMessage m = NlMessage.split(ByteBuffer.wrap(Rtnl.routeRequest(r, true).finish(1))).getFirst();
        NlAttributes a = m.attributes(Rtnetlink.RTMSG_LEN);
        assertThat(a.has(Rtnetlink.RTA_DST)).isFalse();
        assertThat(InetAddress.getByAddress(a.bytes(Rtnetlink.RTA_GATEWAY)).getHostAddress()).isEqualTo("10.1.0.1");
        assertThat(a.u32(Rtnetlink.RTA_OIF, 0)).isEqualTo(3);
        assertThat(a.nested(Rtnetlink.RTA_METRICS).u32(Rtnetlink.RTAX_MTU, 0)).isEqualTo(1300);
        assertThat(m.payload().get(4) & 0xff).isEqualTo(Rtnetlink.RT_TABLE_MAIN);
    }

    @Test
    void aParsedRouteReadsBackWhatTheRequestWrote() throws Exception {
        RouteEntry r = new RouteEntry(Rtnetlink.AF_INET6, InetAddress.getByName("fd00:1::"), 64, null, 5,
                null, Rtnetlink.RT_SCOPE_UNIVERSE, Rtnetlink.RTPROT_BOOT, Rtnetlink.RTN_UNICAST, 1280, 0);
        NlMessage m = NlMessage.split(ByteBuffer.wrap(Rtnl.routeRequest(r, true).finish(1))).getFirst();
        RouteEntry back = Rtnl.parseRoute(m);
        assertThat(back).isEqualTo(r);
        assertThat(back.destinationCidr()).isEqualTo("fd00:1:0:0:0:0:0:0/64");
    }

    @Test
    void anAddressRequestAddsIpv6WithoutDuplicateDetection() throws Exception {
        NlMessage m = NlMessage.split(ByteBuffer.wrap(
                Rtnl.addAddressRequest(2, InetAddress.getByName("fd00::5"), 64).finish(1))).getFirst();
        LinkAddress a = Rtnl.parseAddress(m);
        assertThat(a.address().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:5");
        assertThat(a.prefixLength()).isEqualTo(64);
        assertThat(a.flags() & Rtnetlink.IFA_F_NODAD).isNotZero();
        assertThatThrownBy(() -> Rtnl.addAddressRequest(2, InetAddress.getByName("10.0.0.1"), 33))
                .hasMessageContaining("prefix length 33");
    }

    @Test
    void aNeighbourRequestRoundTrips() throws Exception {
        Neighbour n = new Neighbour(4, InetAddress.getByName("10.2.0.9"), "02:00:00:00:00:09",
                Rtnetlink.NUD_PERMANENT, 0);
        NlMessage m = NlMessage.split(ByteBuffer.wrap(Rtnl.neighbourRequest(n).finish(1))).getFirst();
        assertThat(Rtnl.parseNeighbour(m)).isEqualTo(n);
        assertThatThrownBy(() -> Rtnl.neighbourRequest(new Neighbour(4, InetAddress.getByName("10.2.0.9"),
                "zz", 0, 0))).hasMessageContaining("not a hardware address");
    }

    @Test
    void theMirredFilterMatchesAllWithOneKeyAndRedirectsToTheTarget() throws Exception {
        NlMessage m = NlMessage.split(ByteBuffer.wrap(TrafficControl.redirectFilterRequest(3, 9).finish(1))).getFirst();
        assertThat(m.type()).isEqualTo(Rtnetlink.RTM_NEWTFILTER);
        assertThat(m.payload().getInt(4)).isEqualTo(3);
        assertThat(m.payload().getInt(12)).isEqualTo(TrafficControl.INGRESS_HANDLE);
        assertThat(m.payload().getInt(16) & 0xffff).isEqualTo(0x0300); // ETH_P_ALL, big-endian
        NlAttributes a = m.attributes(Rtnetlink.TCMSG_LEN);
        assertThat(a.string(Rtnetlink.TCA_KIND)).isEqualTo("u32");
        NlAttributes opts = a.nested(Rtnetlink.TCA_OPTIONS);
        byte[] sel = opts.bytes(5);
        assertThat(sel).hasSize(32);
        assertThat(sel[2]).isEqualTo((byte) 1);
        NlAttributes action = opts.nested(7).nested(1);
        assertThat(action.string(1)).isEqualTo("mirred");
        ByteBuffer parms = ByteBuffer.wrap(action.nested(2).bytes(2)).order(ByteOrder.nativeOrder());
        assertThat(parms.getInt(8)).isEqualTo(4); // TC_ACT_STOLEN
        assertThat(parms.getInt(20)).isEqualTo(1); // egress redirect
        assertThat(parms.getInt(24)).isEqualTo(9);
    }

    @Test
    void aLinkMessageYieldsNameMacMtuAndKind() throws Exception {
        NlWriter w = new NlWriter(Rtnetlink.RTM_NEWLINK, 0).u8(0).u8(0).u16(1).u32(12).u32(Rtnetlink.IFF_UP).u32(0)
                .attrString(Rtnetlink.IFLA_IFNAME, "veth1")
                .attr(Rtnetlink.IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 0, 0x1a})
                .attrU32(Rtnetlink.IFLA_MTU, 1450)
                .begin(Rtnetlink.IFLA_LINKINFO).attrString(Rtnetlink.IFLA_INFO_KIND, "veth").end();
        Link l = Rtnl.parseLink(NlMessage.split(ByteBuffer.wrap(w.finish(1))).getFirst());
        assertThat(l).isEqualTo(new Link(12, "veth1", "02:00:00:00:00:1a", 1450, Rtnetlink.IFF_UP, "veth"));
        assertThat(l.isUp()).isTrue();
    }

    @Test
    void anAttributeLongerThanItsMessageIsRefused() {
        byte[] msg = Rtnl.setLinkRequest(1, "a", 0, null).finish(1);
        ByteBuffer b = ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder());
        b.putShort(Rtnetlink.NLMSG_HDRLEN + Rtnetlink.IFINFOMSG_LEN, (short) 200);
        assertThatThrownBy(() -> Rtnl.parseLink(NlMessage.split(ByteBuffer.wrap(msg)).getFirst()))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("malformed netlink attribute");
    }

    @Test
    void randomDatagramsParseOrFailWithNetlinkExceptionOnly() {
        Random random = new Random(17);
        byte[] seed = TrafficControl.redirectFilterRequest(3, 9).finish(1);
        for (int round = 0; round < 20_000; round++) {
            byte[] d = round % 2 == 0 ? new byte[random.nextInt(200)] : seed.clone();
            if (round % 2 == 0) {
                random.nextBytes(d);
            } else {
                for (int flips = random.nextInt(6); flips >= 0; flips--) {
                    d[random.nextInt(d.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                for (NlMessage m : NlMessage.split(ByteBuffer.wrap(d))) {
                    Rtnl.parseLink(m);
                    Rtnl.parseAddress(m);
                    Rtnl.parseRoute(m);
                    Rtnl.parseNeighbour(m);
                    m.attributes(Rtnetlink.TCMSG_LEN).nested(Rtnetlink.TCA_OPTIONS).nested(7).nested(1);
                }
            } catch (NetlinkException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }
}
