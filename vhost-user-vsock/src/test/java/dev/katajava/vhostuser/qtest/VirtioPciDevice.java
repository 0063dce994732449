package dev.katajava.vhostuser.qtest;

import java.io.IOException;

/**
 * A minimal virtio 1.x PCI driver over qtest: finds the device on bus 0, maps its capability BAR, negotiates
 * VERSION_1 and sets up queues, as a guest kernel's driver would.
 */
public final class VirtioPciDevice {
    private static final int CONFIG_ADDRESS = 0xcf8;
    private static final int CONFIG_DATA = 0xcfc;
    private static final int CAP_VENDOR = 0x09;
    private static final int COMMON_CFG = 1;
    private static final int NOTIFY_CFG = 2;
    private static final int DEVICE_CFG = 4;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;

    private final Qtest qtest;
    private final int slot;
    private long common;
    private long notify;
    private long notifyMultiplier;
    private long deviceConfig;

    private VirtioPciDevice(Qtest qtest, int slot) {
        this.qtest = qtest;
        this.slot = slot;
    }

    /** The first function on bus 0 with this vendor and device id. */
    public static VirtioPciDevice find(Qtest qtest, int vendor, int device) throws IOException {
        for (int slot = 0; slot < 32; slot++) {
            VirtioPciDevice d = new VirtioPciDevice(qtest, slot);
            long id = d.config32(0);
            if ((id & 0xFFFF) == vendor && (id >>> 16) == device) {
                return d;
            }
        }
        throw new IOException("no PCI device " + Integer.toHexString(vendor) + ":" + Integer.toHexString(device));
    }

    /** Places the capability BAR at {@code barAddress}, enables memory decoding and bus mastering, finds the caps. */
    public void map(long barAddress) throws IOException {
        int bar = -1;
        int capPtr = (int) (config32(0x34) & 0xFC);
        while (capPtr != 0) {
            long head = config32(capPtr);
            int next = (int) ((head >>> 8) & 0xFF);
            if ((head & 0xFF) == CAP_VENDOR) {
                int type = (int) ((head >>> 24) & 0xFF);
                int capBar = (int) (config32(capPtr + 4) & 0xFF);
                long offset = config32(capPtr + 8);
                bar = capBar;
                switch (type) {
                    case COMMON_CFG -> common = offset;
                    case NOTIFY_CFG -> {
                        notify = offset;
                        notifyMultiplier = config32(capPtr + 16);
                    }
                    case DEVICE_CFG -> deviceConfig = offset;
                    default -> { }
                }
            }
            capPtr = next;
        }
        if (bar < 0) {
            throw new IOException("device has no virtio capabilities");
        }
        int barReg = 0x10 + 4 * bar;
        boolean wide = (config32(barReg) & 0x6) == 0x4;
        configWrite32(barReg, barAddress & 0xFFFFFFF0L);
        if (wide) {
            configWrite32(barReg + 4, barAddress >>> 32);
        }
        configWrite32(0x04, (config32(0x04) & 0xFFFF) | 0x6);
        common += barAddress;
        notify += barAddress;
        deviceConfig += barAddress;
    }

    public void setStatus(int status) throws IOException {
        qtest.write(1, common + 0x14, status);
    }

    public int status() throws IOException {
        return (int) qtest.read(1, common + 0x14);
    }

    public long deviceFeatures() throws IOException {
        qtest.write(4, common, 0);
        long low = qtest.read(4, common + 0x04);
        qtest.write(4, common, 1);
        return low | (qtest.read(4, common + 0x04) << 32);
    }

    public void driverFeatures(long features) throws IOException {
        qtest.write(4, common + 0x08, 0);
        qtest.write(4, common + 0x0c, features & 0xFFFFFFFFL);
        qtest.write(4, common + 0x08, 1);
        qtest.write(4, common + 0x0c, features >>> 32);
    }

    /** Sets queue {@code index} to {@code size} entries at the given guest-physical ring addresses and enables it. */
    public void setUpQueue(int index, int size, long desc, long avail, long used) throws IOException {
        qtest.write(2, common + 0x16, index);
        qtest.write(2, common + 0x18, size);
        qtest.write(8, common + 0x20, desc);
        qtest.write(8, common + 0x28, avail);
        qtest.write(8, common + 0x30, used);
        qtest.write(2, common + 0x1c, 1);
    }

    /** Tells the device queue {@code index} has new buffers. */
    public void notifyQueue(int index) throws IOException {
        qtest.write(2, common + 0x16, index);
        long off = qtest.read(2, common + 0x1e);
        qtest.write(2, notify + off * notifyMultiplier, index);
    }

    public long deviceConfig64(int offset) throws IOException {
        long low = qtest.read(4, deviceConfig + offset);
        long high = qtest.read(4, deviceConfig + offset + 4);
        return low | (high << 32);
    }

    private long config32(int reg) throws IOException {
        qtest.outl(CONFIG_ADDRESS, address(reg));
        return qtest.inl(CONFIG_DATA);
    }

    private void configWrite32(int reg, long value) throws IOException {
        qtest.outl(CONFIG_ADDRESS, address(reg));
        qtest.outl(CONFIG_DATA, value);
    }

    private long address(int reg) {
        return 0x80000000L | ((long) slot << 11) | (reg & 0xFC);
    }
}
