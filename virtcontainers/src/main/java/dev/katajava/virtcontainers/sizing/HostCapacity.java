package dev.katajava.virtcontainers.sizing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's CPUs and memory: the ceiling of a VM whose configured maximum is 0. */
public record HostCapacity(int cpus, int memoryMiB) {
    public static HostCapacity of() {
        return new HostCapacity(Runtime.getRuntime().availableProcessors(), memTotalMiB(Path.of("/proc/meminfo")));
    }

    static int memTotalMiB(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (int) Math.min(Integer.MAX_VALUE, kib / 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Fall through: no ceiling known beyond what a VM can address.
        }
        return 1 << 22;
    }
}
