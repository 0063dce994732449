package dev.katajava.vhostuser.qtest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the QEMU system emulator on PATH, for tests that need a real front end. */
public final class QemuBinary {
    public static final String NAME = "qemu-system-x86_64";

    private QemuBinary() {
    }

    public static boolean installed() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, NAME))) {
                return true;
            }
        }
        return false;
    }
}
