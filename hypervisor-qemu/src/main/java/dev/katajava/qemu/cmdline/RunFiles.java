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
 * @param vhostUserVsockSocket the vhost-user socket the vsock backend serves and QEMU connects to
 */
public record RunFiles(Path qmpSocket, Path consoleLog, Path pidFile, Path qemuLog, Path vhostUserVsockSocket) {
    public static RunFiles in(Path runDir) {
        Objects.requireNonNull(runDir, "runDir");
        return new RunFiles(runDir.resolve("qmp.sock"), runDir.resolve("console.log"), runDir.resolve("qemu.pid"),
                runDir.resolve("qemu.log"), runDir.resolve("vhost-user-vsock.sock"));
    }

    /** The second QMP monitor, used to hand QEMU descriptors (tap queues) with SCM_RIGHTS. */
    public Path qmpFdSocket() {
        return qmpSocket.resolveSibling("qmp-fd.sock");
    }
}
