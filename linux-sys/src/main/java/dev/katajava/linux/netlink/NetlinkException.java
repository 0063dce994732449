package dev.katajava.linux.netlink;

import java.io.IOException;

/** A netlink request the kernel refused (with its errno), or a reply that does not parse. */
public final class NetlinkException extends IOException {
    private final int errno;

    public NetlinkException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public NetlinkException(String message) {
        this(message, 0);
    }

    /** The kernel's errno; 0 when the reply was malformed rather than refused. */
    public int errno() {
        return errno;
    }
}
