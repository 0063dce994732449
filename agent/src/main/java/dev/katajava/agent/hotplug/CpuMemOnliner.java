package dev.katajava.agent.hotplug;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Brings hot-plugged vCPUs and memory blocks online through sysfs. On x86-64 the kernel leaves an
 * ACPI-added CPU and, without memhp_default_state, an added DIMM offline; udev would online them in a
 * general-purpose guest, and this agent has no udev.
 */
public final class CpuMemOnliner {
    private static final Duration POLL = Duration.ofMillis(20);

    private final Path cpus;
    private final Path memory;

    /** {@code system} is {@code /sys/devices/system} in the guest. */
    public CpuMemOnliner(Path system) {
        this.cpus = system.resolve("cpu");
        this.memory = system.resolve("memory");
    }

    /**
     * Onlines offline CPUs until {@code expected} have been onlined, waiting up to {@code patience} for
     * them to appear (ACPI hot-add reaches the guest asynchronously); returns how many were onlined.
     */
    public int onlineCpus(int expected, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        int onlined = 0;
        while (true) {
            onlined += onlineAll(cpus, "cpu", "online", "0", "1");
            if (onlined >= expected || System.nanoTime() - deadline >= 0) {
                break;
            }
            Thread.sleep(POLL);
        }
        if (onlined < expected) {
            throw new IOException("only " + onlined + " of " + expected + " hot-plugged vCPUs came online within "
                    + patience.toMillis() + " ms");
        }
        return onlined;
    }

    /** Onlines every offline memory block; returns how many. */
    public int onlineMemory() throws IOException {
        return onlineAll(memory, "memory", "state", "offline", "online");
    }

    private static int onlineAll(Path dir, String prefix, String attribute, String offline, String online)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int count = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix + "[0-9]*")) {
            for (Path entry : entries) {
                Path file = entry.resolve(attribute);
                // cpu0 has no online file: the boot CPU cannot go offline.
                if (Files.isRegularFile(file) && Files.readString(file).strip().equals(offline)) {
                    Files.writeString(file, online);
                    count++;
                }
            }
        }
        return count;
    }
}
