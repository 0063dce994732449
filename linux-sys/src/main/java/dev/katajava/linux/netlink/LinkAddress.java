package dev.katajava.linux.netlink;

import java.net.InetAddress;

/** An address of a link as RTM_GETADDR reports it. */
public record LinkAddress(int index, InetAddress address, int prefixLength, int scope, int flags) {
    public boolean isIpv6() {
        return address.getAddress().length == 16;
    }
}
