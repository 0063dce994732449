package dev.katajava.qemu.accel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What this host offers for running VMs. */
public final class HostFacts {
    private static final Path KVM = Path.of("/dev/kvm");

    private HostFacts() {
    }

    /** Whether QEMU could open /dev/kvm as this user (tried for real: permission bits are not the whole story). */
    public static boolean kvmOpenable() {
        try {
            FileChannel.open(KVM, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
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
