package dev.katajava.vhostuser.vsock;

import java.io.IOException;

/** What the host side of a stream may do to the guest side. Safe to call from any thread. */
public interface GuestStream {
    ConnectionKey key();

    /**
     * Queues up to {@code len} bytes for the guest, as many as its advertised credit allows; returns how many
     * were taken, 0 when the credit is used up (then {@link #awaitCredit}).
     *
     * @throws IOException when the stream can no longer carry data to the guest
     */
    int send(byte[] bytes, int off, int len) throws IOException;

    /** Blocks until the guest has credit for more bytes, or the stream can no longer carry data. */
    void awaitCredit() throws InterruptedException;

    /** Reports that {@code bytes} delivered by {@link HostEndpoint#data} left the host side's buffers. */
    void consumed(int bytes);

    /** The host side will send nothing more. */
    void shutdownSend();

    /** Aborts the stream at once. */
    void reset();
}
