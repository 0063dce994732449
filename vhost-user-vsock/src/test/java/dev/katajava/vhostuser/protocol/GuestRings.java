package dev.katajava.vhostuser.protocol;

import dev.katajava.vhostuser.virtqueue.GuestQueue;

/** The guest's view of the vsock device's receive and transmit queues and how it notifies the device. */
public interface GuestRings {
    GuestQueue rx();

    GuestQueue tx();

    /** Tells the device queue {@code index} has new buffers. */
    void kick(int index) throws Exception;
}
