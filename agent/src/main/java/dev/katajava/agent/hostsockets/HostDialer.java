package dev.katajava.agent.hostsockets;

import dev.katajava.linux.ErrnoException;

/** Opens a stream to the runtime: AF_VSOCK to the host in the guest, a Unix socket in tests. */
@FunctionalInterface
public interface HostDialer {
    /** A connected stream socket, owned by the caller. */
    int dial() throws ErrnoException;
}
