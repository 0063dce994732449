package dev.katajava.qemu.accel;

/** What the accelerator probe needs to see of a started VM. */
public interface LaunchedVm {
    boolean isAlive();

    /** What the guest has written to its console so far (from its start, bounded in size). */
    String console();

    /** QEMU's own last words (its stderr), for explaining why a VM died; may be empty. */
    String qemuOutputTail();

    /** Kills QEMU and waits until it is reaped. */
    void kill();
}
