package dev.katajava.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Remembers, until the host reboots (the file lives on /run), that KVM did not give a working guest here,
 * so only the first sandbox pays for the probe.
 */
final class KvmVerdict {
    static final Path DEFAULT_FILE = Path.of("/run/kata-containers/kvm-unusable");

    private final Path file;

    KvmVerdict(Path file) {
        this.file = file;
    }

    boolean knownBroken() {
        return Files.exists(file);
    }

    void recordBroken(String reason) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, reason + "\n");
        } catch (IOException ignored) {
            // Not remembering only costs the next sandbox another probe.
        }
    }
}
