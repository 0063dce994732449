package dev.katajava.ttrpc;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.GroupPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** Compares a unix-socket peer's credentials (SO_PEERCRED) with this process's. */
final class PeerCredentials {
    private static final UserPrincipal SELF_USER;
    private static final GroupPrincipal SELF_GROUP;

    static {
        UserPrincipal user = null;
        GroupPrincipal group = null;
        try {
            // /proc/self belongs to this process's effective uid and gid.
            PosixFileAttributes attrs = Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class);
            user = attrs.owner();
            group = attrs.group();
        } catch (IOException | UnsupportedOperationException e) {
            // Left null: every peer is refused rather than every peer accepted.
        }
        SELF_USER = user;
        SELF_GROUP = group;
    }

    private PeerCredentials() {
    }

    static boolean sameUser(SocketChannel channel) {
        try {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return SELF_USER != null && peer.user().getName().equals(SELF_USER.getName())
                    && peer.group().getName().equals(SELF_GROUP.getName());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
