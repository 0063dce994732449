package dev.katajava.agent.hotplug;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
            onlined += onlineAll(cpus, "cpu", "online", "0", "1", expected - onlined);
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
        return onlineAll(memory, "memory", "state", "offline", "online", Integer.MAX_VALUE);
    }

    /**
     * Onlines up to {@code limit} offline entries, lowest number first: a VM under TCG boots with all its
     * vCPUs present and only some online, and growing it must online just as many as were asked for.
     */
    private static int onlineAll(Path dir, String prefix, String attribute, String offline, String online, int limit)
            throws IOException {
        if (!Files.isDirectory(dir) || limit <= 0) {
            return 0;
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, prefix + "[0-9]*")) {
            stream.forEach(entries::add);
        }
        entries.sort(Comparator.comparingLong(e -> number(e.getFileName().toString(), prefix)));
        int count = 0;
        for (Path entry : entries) {
            Path file = entry.resolve(attribute);
            // cpu0 has no online file: the boot CPU cannot go offline.
            if (count < limit && Files.isRegularFile(file) && Files.readString(file).strip().equals(offline)) {
                Files.writeString(file, online);
                count++;
            }
        }
        return count;
    }

    private static long number(String name, String prefix) {
        try {
            return Long.parseLong(name.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
