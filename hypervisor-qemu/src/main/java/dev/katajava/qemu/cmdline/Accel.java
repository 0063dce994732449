package dev.katajava.qemu.cmdline;

/** The accelerator a QEMU process actually runs with (the configuration's "auto" is resolved before launch). */
public enum Accel {
    KVM,
    TCG
}
