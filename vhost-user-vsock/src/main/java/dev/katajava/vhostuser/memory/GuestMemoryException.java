package dev.katajava.vhostuser.memory;

/** An address range the guest (or front end) named that is not wholly inside one memory region. */
public final class GuestMemoryException extends Exception {
    public GuestMemoryException(String message) {
        super(message);
    }
}
