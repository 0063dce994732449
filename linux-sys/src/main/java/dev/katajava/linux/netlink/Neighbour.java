package dev.katajava.linux.netlink;

import java.net.InetAddress;

/** A neighbour table entry (ARP or NDP). */
public record Neighbour(int index, InetAddress destination, String lladdr, int state, int flags) {
}
