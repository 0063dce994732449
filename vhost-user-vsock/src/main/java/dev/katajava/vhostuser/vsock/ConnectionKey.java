package dev.katajava.vhostuser.vsock;

/** Identifies a stream: our (host-side) port and the guest's port. */
public record ConnectionKey(int localPort, int peerPort) {
    @Override
    public String toString() {
        return Integer.toUnsignedString(localPort) + "<->" + Integer.toUnsignedString(peerPort);
    }
}
