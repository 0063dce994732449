package dev.katajava.linux.netlink;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A network link as RTM_GETLINK reports it.
 *
 * @param mac   hardware address as {@code aa:bb:cc:dd:ee:ff}; empty when the link has none
 * @param flags IFF_* flags
 * @param kind  the driver kind from IFLA_LINKINFO ({@code veth}, {@code macvlan}, {@code tun}, ...); empty for
 *              links without one (loopback, physical NICs)
 */
public record Link(int index, String name, String mac, int mtu, int flags, String kind) {
    private static final HexFormat MAC = HexFormat.ofDelimiter(":");

    public boolean isUp() {
        return (flags & Rtnetlink.IFF_UP) != 0;
    }

    public boolean isLoopback() {
        return (flags & Rtnetlink.IFF_LOOPBACK) != 0;
    }

    /** {@code aa:bb:...} of {@code bytes}. */
    public static String formatMac(byte[] bytes) {
        return bytes == null ? "" : MAC.formatHex(bytes);
    }

    /** The bytes of a colon-separated hardware address; refuses anything else naming it. */
    public static byte[] parseMac(String mac) {
        String m = mac.toLowerCase(Locale.ROOT);
        if (!m.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("not a hardware address: \"" + mac + "\"");
        }
        return MAC.parseHex(m);
    }
}
