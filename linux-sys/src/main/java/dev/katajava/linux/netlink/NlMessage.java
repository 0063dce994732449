package dev.katajava.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: its header fields and its payload (the family's fixed struct followed by
 * attributes). {@link #split} checks every length against the datagram, so a malformed datagram raises a
 * {@link NetlinkException}, never an out-of-bounds read.
 *
 * @param payload read-only, little-endian, positioned at 0
 */
public record NlMessage(int type, int flags, int seq, int pid, ByteBuffer payload) {

    /** Splits one datagram into its messages. */
    public static List<NlMessage> split(ByteBuffer datagram) throws NetlinkException {
        ByteBuffer d = datagram.slice().order(ByteOrder.nativeOrder());
        List<NlMessage> out = new ArrayList<>();
        int off = 0;
        while (d.limit() - off >= Rtnetlink.NLMSG_HDRLEN) {
            int len = d.getInt(off);
            if (len < Rtnetlink.NLMSG_HDRLEN || len > d.limit() - off) {
                throw new NetlinkException("malformed netlink message: length " + len + " at offset " + off
                        + " of a " + d.limit() + "-byte datagram");
            }
            ByteBuffer payload = d.slice(off + Rtnetlink.NLMSG_HDRLEN, len - Rtnetlink.NLMSG_HDRLEN)
                    .asReadOnlyBuffer().order(ByteOrder.nativeOrder());
            out.add(new NlMessage(d.getShort(off + 4) & 0xffff, d.getShort(off + 6) & 0xffff, d.getInt(off + 8),
                    d.getInt(off + 12), payload));
            off += (len + 3) & ~3;
        }
        return out;
    }

    /** For an NLMSG_ERROR message: the (negative) errno, 0 for an acknowledgement. */
    public int error() throws NetlinkException {
        if (payload.limit() < 4) {
            throw new NetlinkException("truncated netlink error message (" + payload.limit() + " bytes)");
        }
        return payload.getInt(0);
    }

    /** The attributes that follow a fixed struct of {@code headerLen} bytes. */
    public NlAttributes attributes(int headerLen) throws NetlinkException {
        if (payload.limit() < headerLen) {
            throw new NetlinkException("netlink message type " + type + " has " + payload.limit()
                    + " bytes, shorter than its " + headerLen + "-byte header");
        }
        return NlAttributes.parse(payload.slice(headerLen, payload.limit() - headerLen));
    }
}
