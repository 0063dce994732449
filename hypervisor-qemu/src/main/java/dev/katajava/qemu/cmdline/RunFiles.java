package dev.katajava.qemu.cmdline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one QEMU process keeps its files, all inside the sandbox's private run directory.
 *
 * @param qmpSocket  the QMP control socket QEMU serves
 * @param consoleLog the guest's serial console
 * @param pidFile    QEMU's pid file
 * @param qemuLog    QEMU's own stdout and stderr
 */
public record RunFiles(Path qmpSocket, Path consoleLog, Path pidFile, Path qemuLog) {
    public static RunFiles in(Path runDir) {
        Objects.requireNonNull(runDir, "runDir");
        return new RunFiles(runDir.resolve("qmp.sock"), runDir.resolve("console.log"), runDir.resolve("qemu.pid"),
                runDir.resolve("qemu.log"));
    }
}
