package dev.katajava.linux.netlink;

import java.net.InetAddress;

/**
 * A route of the main table.
 *
 * @param destination     null for a default route
 * @param gateway         null for an on-link route
 * @param outputIndex     the output link's index; 0 when the route names none
 * @param preferredSource null when unset
 * @param mtu             the route's MTU metric; 0 when unset
 */
public record RouteEntry(int family, InetAddress destination, int prefixLength, InetAddress gateway, int outputIndex,
                         InetAddress preferredSource, int scope, int protocol, int type, int mtu, int flags) {

    /** {@code dest/len}, or empty for a default route (the agent API's spelling). */
    public String destinationCidr() {
        return destination == null ? "" : destination.getHostAddress() + "/" + prefixLength;
    }
}
