package dev.katajava.ttrpc;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * containerd's rule for shim sockets: a unix-socket peer (SO_PEERCRED) must have this process's uid and gid.
 * Principals are compared with equals, which on Linux compares the numeric ids, not names.
 */
final class PeerCredentials {
    /** This process's identity, or null if it cannot be determined (then every peer is refused). */
    private static final UnixDomainPrincipal SELF = self();

    private PeerCredentials() {
    }

    static boolean sameUser(SocketChannel channel) {
        try {
            return matches(channel.getOption(ExtendedSocketOptions.SO_PEERCRED), SELF);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static boolean matches(UnixDomainPrincipal peer, UnixDomainPrincipal self) {
        return peer != null && self != null && peer.user().equals(self.user()) && peer.group().equals(self.group());
    }

    /** /proc/self is owned by this process's effective uid and gid; no extra JDK module is needed to read it. */
    static UnixDomainPrincipal self() {
        try {
            PosixFileAttributes attrs = Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class);
            return new UnixDomainPrincipal(attrs.owner(), attrs.group());
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
