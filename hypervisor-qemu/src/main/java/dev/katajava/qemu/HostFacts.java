package dev.katajava.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this host offers for running VMs. */
final class HostFacts {
    private static final Path KVM = Path.of("/dev/kvm");

    private HostFacts() {
    }

    static boolean kvmOpenable() {
        return Files.isReadable(KVM) && Files.isWritable(KVM);
    }

    /** The TSC frequency in kHz, from sysfs when the kernel exports it, else the first CPU's MHz. */
    static long tscKhz() {
        try {
            Path sys = Path.of("/sys/devices/system/cpu/cpu0/tsc_freq_khz");
            if (Files.exists(sys)) {
                return Long.parseLong(Files.readString(sys).strip());
            }
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    return Math.round(Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()) * 1000);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
