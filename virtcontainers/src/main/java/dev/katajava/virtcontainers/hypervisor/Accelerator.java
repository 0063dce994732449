package dev.katajava.virtcontainers.hypervisor;

/** How guest code is executed. */
public enum Accelerator {
    /** KVM when it gives a working guest on this host, otherwise TCG. */
    AUTO,
    KVM,
    /** QEMU's software emulation; always available, 15-30x slower. */
    TCG
}
