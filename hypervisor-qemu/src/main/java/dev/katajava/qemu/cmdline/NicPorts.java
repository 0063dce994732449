package dev.katajava.qemu.cmdline;

/** Where network devices plug in on q35: root ports at fixed slots of the root bus. */
public final class NicPorts {
    /** The root-bus slot of the first port; the ones before it stay for the boot devices QEMU places itself. */
    public static final int FIRST_SLOT = 0x18;

    private NicPorts() {
    }

    /** The QEMU id of port {@code i}. */
    public static String portId(int i) {
        return "kata-net-rp" + i;
    }

    /** The guest's PCI path of the device behind port {@code i} ({@code "18/00"}). */
    public static String pciPath(int i) {
        return String.format("%02x/00", FIRST_SLOT + i);
    }
}
