package dev.katajava.vhostuser.device;

/** What the front end set up for one queue so far; guarded by the device's lock. */
final class Vring {
    int size;
    boolean addressesSet;
    long descAddr;
    long usedAddr;
    long availAddr;
    int base;
    int kickFd = -1;
    int callFd = -1;
    int errFd = -1;
    /** Started by a kick descriptor, stopped by GET_VRING_BASE. */
    boolean started;
    boolean enabled;
    QueueWorker worker;
}
