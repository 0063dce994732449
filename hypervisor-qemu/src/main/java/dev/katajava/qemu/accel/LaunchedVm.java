package dev.katajava.qemu.accel;

/** What the accelerator probe needs to see of a started VM. */
public interface LaunchedVm {
    boolean isAlive();

    /** Whether the guest has written anything to its console yet. */
    boolean consoleHasOutput();

    /** QEMU's own last words (its stderr), for explaining why a VM died; may be empty. */
    String qemuOutputTail();

    /** Kills QEMU and waits until it is reaped. */
    void kill();
}
