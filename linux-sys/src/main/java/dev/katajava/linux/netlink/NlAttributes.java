package dev.katajava.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Attributes of one netlink message or nest, by type (the last one wins when a type repeats). */
public final class NlAttributes {
    private static final int TYPE_MASK = 0x3fff; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
    private final Map<Integer, ByteBuffer> byType;

    private NlAttributes(Map<Integer, ByteBuffer> byType) {
        this.byType = byType;
    }

    /** Parses {@code area} (its whole remaining content) as a run of attributes. */
    public static NlAttributes parse(ByteBuffer area) throws NetlinkException {
        ByteBuffer a = area.slice().order(ByteOrder.nativeOrder());
        Map<Integer, ByteBuffer> map = new LinkedHashMap<>();
        int off = 0;
        while (a.limit() - off >= 4) {
            int len = a.getShort(off) & 0xffff;
            int type = a.getShort(off + 2) & TYPE_MASK;
            if (len < 4 || len > a.limit() - off) {
                throw new NetlinkException("malformed netlink attribute: length " + len + " at offset " + off
                        + " of " + a.limit() + " bytes");
            }
            map.put(type, a.slice(off + 4, len - 4).asReadOnlyBuffer().order(ByteOrder.nativeOrder()));
            off += (len + 3) & ~3;
        }
        return new NlAttributes(map);
    }

    public boolean has(int type) {
        return byType.containsKey(type);
    }

    /** The payload's bytes; null when absent. */
    public byte[] bytes(int type) {
        ByteBuffer b = byType.get(type);
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.limit()];
        b.get(0, out);
        return out;
    }

    /** A 32-bit value, or {@code absent} when the attribute is missing or too short. */
    public int u32(int type, int absent) {
        ByteBuffer b = byType.get(type);
        return b == null || b.limit() < 4 ? absent : b.getInt(0);
    }

    /** A string up to its NUL, or null when absent. */
    public String string(int type) {
        byte[] b = bytes(type);
        if (b == null) {
            return null;
        }
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** A nested attribute's own attributes; empty when absent. */
    public NlAttributes nested(int type) throws NetlinkException {
        ByteBuffer b = byType.get(type);
        return b == null ? new NlAttributes(Map.of()) : parse(b);
    }
}
