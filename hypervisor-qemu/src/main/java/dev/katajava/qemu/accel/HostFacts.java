package dev.katajava.qemu.accel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What this host offers for running VMs. */
public final class HostFacts {
    /**
     * Names another file as the KVM device. The end-to-end tests point it at a stand-in to put a host
     * without KVM in the place of one whose /dev/kvm opens but hangs guests.
     */
    public static final String KVM_DEVICE_ENV = "KATA_KVM_DEVICE";
    private static final Path KVM = Path.of("/dev/kvm");

    private HostFacts() {
    }

    /** The KVM device: /dev/kvm unless {@link #KVM_DEVICE_ENV} names another. */
    public static Path kvmDevice() {
        String other = System.getenv(KVM_DEVICE_ENV);
        return other == null || other.isBlank() ? KVM : Path.of(other);
    }

    /** Whether QEMU could open the KVM device as this user (tried for real: permission bits are not the whole story). */
    public static boolean kvmOpenable() {
        try {
            FileChannel.open(kvmDevice(), StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The TSC frequency in kHz: from sysfs when the kernel exports it, else the first CPU's MHz; 0 if unknown. */
    public static long tscKhz() {
        try {
            Path sys = Path.of("/sys/devices/system/cpu/cpu0/tsc_freq_khz");
            if (Files.exists(sys)) {
                return Long.parseLong(Files.readString(sys).strip());
            }
            return cpuMhzKhz(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The first "cpu MHz" line of a /proc/cpuinfo text, in kHz; 0 if there is none. */
    static long cpuMhzKhz(String cpuinfo) {
        for (String line : cpuinfo.lines().toList()) {
            if (line.startsWith("cpu MHz")) {
                return Math.round(Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()) * 1000);
            }
        }
        return 0;
    }
}
