package dev.katajava.linux.netlink;

import dev.katajava.linux.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The tc pieces of the tcfilter network model: an ingress qdisc on a link and a u32 filter matching every
 * packet with a {@code mirred egress redirect} action to another link (as {@code tc filter add dev A parent
 * ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev B} builds it).
 */
public final class TrafficControl {
    static final int TC_H_INGRESS = 0xfffffff1;
    static final int INGRESS_HANDLE = 0xffff0000;
    private static final int ETH_P_ALL = 0x0003;
    private static final int TCA_U32_SEL = 5;
    private static final int TCA_U32_ACT = 7;
    private static final int TCA_ACT_KIND = 1;
    private static final int TCA_ACT_OPTIONS = 2;
    private static final int TCA_MIRRED_PARMS = 2;
    private static final int TC_U32_TERMINAL = 1;
    private static final int TC_ACT_STOLEN = 4;
    private static final int TCA_EGRESS_REDIR = 1;
    private static final int FILTER_PRIORITY = 1;

    private TrafficControl() {
    }

    /** RTM_NEWQDISC (or DELQDISC) of the ingress qdisc of link {@code index}. */
    public static NlWriter ingressQdiscRequest(int index, boolean add) {
        NlWriter w = new NlWriter(add ? Rtnetlink.RTM_NEWQDISC : Rtnetlink.RTM_DELQDISC,
                add ? Rtnetlink.NLM_F_CREATE | Rtnetlink.NLM_F_EXCL : 0);
        tcmsg(w, index, INGRESS_HANDLE, TC_H_INGRESS, 0);
        return w.attrString(Rtnetlink.TCA_KIND, "ingress");
    }

    /** RTM_NEWTFILTER: every packet arriving on {@code from} leaves through {@code to}. */
    public static NlWriter redirectFilterRequest(int from, int to) {
        // The protocol goes in network byte order in the low 16 bits of tcm_info.
        int info = (FILTER_PRIORITY << 16) | Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL));
        NlWriter w = new NlWriter(Rtnetlink.RTM_NEWTFILTER, Rtnetlink.NLM_F_CREATE | Rtnetlink.NLM_F_EXCL);
        tcmsg(w, from, 0, INGRESS_HANDLE, info);
        w.attrString(Rtnetlink.TCA_KIND, "u32");
        w.begin(Rtnetlink.TCA_OPTIONS);
        // struct tc_u32_sel with one key: mask 0, value 0 at offset 0 matches everything.
        ByteBuffer sel = ByteBuffer.allocate(16 + 16).order(ByteOrder.nativeOrder());
        sel.put((byte) TC_U32_TERMINAL).put((byte) 0).put((byte) 1).put((byte) 0);
        w.attr(TCA_U32_SEL, sel.array());
        w.begin(TCA_U32_ACT).begin(1).attrString(TCA_ACT_KIND, "mirred").begin(TCA_ACT_OPTIONS);
        // struct tc_mirred: tc_gen (index, capab, action, refcnt, bindcnt), eaction, ifindex.
        ByteBuffer parms = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        parms.putInt(0).putInt(0).putInt(TC_ACT_STOLEN).putInt(0).putInt(0).putInt(TCA_EGRESS_REDIR).putInt(to);
        w.attr(TCA_MIRRED_PARMS, parms.array());
        return w.end().end().end().end();
    }

    public static void addIngressQdisc(NetlinkSocket s, int index, String device) throws NetlinkException, ErrnoException {
        s.ack(ingressQdiscRequest(index, true), "add ingress qdisc to " + device);
    }

    public static void deleteIngressQdisc(NetlinkSocket s, int index, String device)
            throws NetlinkException, ErrnoException {
        s.ack(ingressQdiscRequest(index, false), "delete ingress qdisc of " + device);
    }

    public static void addRedirect(NetlinkSocket s, int from, String fromName, int to, String toName)
            throws NetlinkException, ErrnoException {
        s.ack(redirectFilterRequest(from, to), "add u32 mirred redirect filter " + fromName + " -> " + toName);
    }

    private static void tcmsg(NlWriter w, int index, int handle, int parent, int info) {
        w.u8(Rtnetlink.AF_UNSPEC).u8(0).u16(0).u32(index).u32(handle).u32(parent).u32(info);
    }
}
