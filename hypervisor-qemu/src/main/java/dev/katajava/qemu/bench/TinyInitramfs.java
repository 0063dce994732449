package dev.katajava.qemu.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest guest that proves a boot: busybox as the only program and an /init script that prints a
 * marker line on the console and powers the VM off, so QEMU exits by itself.
 */
public final class TinyInitramfs {
    /** Debian's busybox-static. */
    public static final Path DEFAULT_BUSYBOX = Path.of("/bin/busybox");

    private TinyInitramfs() {
    }

    /** Writes the initramfs (uncompressed newc cpio) to {@code out}. */
    public static void write(Path out, Path busybox, String marker) throws IOException {
        if (marker.isBlank() || marker.contains("'") || marker.contains("\n")) {
            throw new IllegalArgumentException("the marker must be one non-blank line without quotes: " + marker);
        }
        byte[] program = Files.readAllBytes(busybox);
        String init = "#!/bin/busybox sh\n"
                + "/bin/busybox echo '" + marker + "'\n"
                + "/bin/busybox poweroff -f\n";
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out)); Cpio cpio = new Cpio(file)) {
            cpio.directory("bin", 0755);
            cpio.directory("dev", 0755);
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.directory("proc", 0755);
            cpio.file("bin/busybox", 0755, program);
            cpio.symlink("bin/sh", "busybox");
            cpio.file("init", 0755, init.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
