package dev.katajava.vhostuser.virtqueue;

/** The avail ring's index claims more new entries than the queue holds; nothing on it can be trusted. */
public final class RingCorruptException extends Exception {
    public RingCorruptException(String message) {
        super(message);
    }
}
