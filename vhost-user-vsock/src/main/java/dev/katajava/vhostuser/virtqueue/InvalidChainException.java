package dev.katajava.vhostuser.virtqueue;

/**
 * A descriptor chain the device refuses to use. If {@link #head()} is a valid index the chain is handed back
 * on the used ring with length 0; otherwise the ring entry is skipped.
 */
public final class InvalidChainException extends Exception {
    private final int head;

    public InvalidChainException(int head, String message) {
        super(head >= 0 ? "descriptor chain " + head + ": " + message : message);
        this.head = head;
    }

    /** The chain's head index, or -1 when the avail ring named no valid descriptor. */
    public int head() {
        return head;
    }
}
