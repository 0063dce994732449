package dev.katajava.vhostuser.vsock;

/**
 * The host side of one stream, told what the guest did. Calls arrive with the multiplexer's lock held, so
 * an implementation must not block and must not call back into a {@link GuestStream} from them.
 */
public interface HostEndpoint {
    /**
     * The stream is open: the guest accepted a connection the host asked for, or the guest's own connection was
     * answered. Only from now on may the host side send on {@code stream}.
     */
    void connected(GuestStream stream);

    /** The guest refused a connection the host asked for; nothing more will arrive. */
    void refused();

    /** Bytes from the guest, in order. The endpoint reports them with {@link GuestStream#consumed} once delivered. */
    void data(byte[] bytes);

    /** The guest will send nothing more; what was delivered so far is all there is. */
    void guestStoppedSending();

    /** The stream is over (reset, or shut down both ways); close the host side once queued bytes are out. */
    void closed();
}
