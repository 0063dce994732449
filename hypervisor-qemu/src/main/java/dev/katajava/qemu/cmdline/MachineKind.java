package dev.katajava.qemu.cmdline;

import java.util.Locale;

/** The machine types the runtime knows how to equip, and how their virtio devices are named. */
public enum MachineKind {
    /** PC with a PCIe root: virtio devices are PCI functions. */
    Q35("q35", "pci"),
    /**
     * Minimal machine without PCI: virtio devices sit on virtio-mmio transports. Its RTC and PIT stay on:
     * under TCG, turning the RTC off costs the guest about 2 s of boot and the PIT about 0.5 s.
     */
    MICROVM("microvm,x-option-roms=off", "device");

    private final String machineArg;
    private final String virtioSuffix;

    MachineKind(String machineArg, String virtioSuffix) {
        this.machineArg = machineArg;
        this.virtioSuffix = virtioSuffix;
    }

    /** Parses a configuration's machine_type; anything but q35 or microvm is refused with the value named. */
    public static MachineKind of(String machineType) {
        return switch (machineType.toLowerCase(Locale.ROOT)) {
            case "q35", "pc-q35" -> Q35;
            case "microvm" -> MICROVM;
            default -> throw new IllegalArgumentException("unsupported machine type \"" + machineType
                    + "\" (supported: q35, microvm)");
        };
    }

    /** The value of {@code -machine}. */
    public String machineArg() {
        return machineArg;
    }

    /** The driver name of a virtio device on this machine, e.g. {@code virtio-serial-pci}. */
    public String virtio(String device) {
        return "virtio-" + device + "-" + virtioSuffix;
    }

    /** The driver name of a vhost-user device, e.g. {@code vhost-user-vsock-pci}. */
    public String vhostUser(String device) {
        return "vhost-user-" + device + "-" + virtioSuffix;
    }

    /** The driver name of a kernel vhost device, e.g. {@code vhost-vsock-pci}. */
    public String vhost(String device) {
        return "vhost-" + device + "-" + virtioSuffix;
    }

    /** q35 has ACPI CPU and DIMM hot-plug; microvm has neither. */
    public boolean supportsHotplug() {
        return this == Q35;
    }

    /** Both machines have a 16550 UART at the legacy address: the kernel's first serial port. */
    public String consoleDevice() {
        return "ttyS0";
    }
}
