package dev.katajava.vhostuser.vsock;

/** Finds the host service for a connection the guest opens to the host CID. */
public interface HostConnector {
    /**
     * Connects the guest's new stream to whatever serves {@code hostPort}, or returns null to refuse it
     * (the guest then gets RST). May block briefly; it is called without the multiplexer's lock. The endpoint
     * must not send on {@code stream} before {@link HostEndpoint#connected}.
     */
    HostEndpoint accept(int hostPort, GuestStream stream);
}
