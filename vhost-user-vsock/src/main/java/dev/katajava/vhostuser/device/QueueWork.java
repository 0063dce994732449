package dev.katajava.vhostuser.device;

import dev.katajava.vhostuser.virtqueue.RingCorruptException;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;

/** What a queue's thread does after each kick: returns whether chains went back to the guest. */
@FunctionalInterface
public interface QueueWork {
    boolean serve(SplitVirtqueue queue) throws RingCorruptException;
}
