package dev.katajava.virtcontainers.vmcache;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A booted, paused VM as the cache server hands it out: enough for another process to take it over.
 *
 * @param name        the VM's name, also the last part of its run and share directories
 * @param pid         QEMU's pid
 * @param runDir      QEMU's run directory (QMP socket, agent socket, pid file, logs)
 * @param shareDir    the VM's share directory ({@code sandboxes/<name>}: the tree QEMU exports over 9p)
 * @param qmpSocket   the QMP socket, inside {@code runDir}
 * @param agentSocket the agent's virtio-serial socket, inside {@code runDir}
 * @param size        the size it was booted with
 * @param accelerator the accelerator it runs under (KVM or TCG)
 * @param fingerprint the fingerprint of the configuration it was booted from, as rendered
 */
public record CachedVm(String name, long pid, Path runDir, Path shareDir, Path qmpSocket, Path agentSocket,
                       VmSize size, Accelerator accelerator, String fingerprint) {
    /** Names the server gives: a fixed prefix and hex, so they never collide with a sandbox id a user chose. */
    static final Pattern NAME = Pattern.compile("vmcache-[0-9a-f]{16}");

    public CachedVm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(shareDir, "shareDir");
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        Objects.requireNonNull(agentSocket, "agentSocket");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cached VM name \"" + name + "\" is not vmcache-<16 hex digits>");
        }
        if (pid <= 1) {
            throw new IllegalArgumentException("cached VM " + name + " has pid " + pid);
        }
        requireChild(runDir, name, "run directory");
        requireChild(shareDir, name, "share directory");
        if (!qmpSocket.getParent().equals(runDir) || !agentSocket.getParent().equals(runDir)) {
            throw new IllegalArgumentException("cached VM " + name + " has its sockets (" + qmpSocket + ", "
                    + agentSocket + ") outside its run directory " + runDir);
        }
        if (accelerator != Accelerator.KVM && accelerator != Accelerator.TCG) {
            throw new IllegalArgumentException("cached VM " + name + " runs under " + accelerator
                    + ", not KVM or TCG");
        }
    }

    private static void requireChild(Path dir, String name, String what) {
        if (!dir.isAbsolute() || !dir.normalize().equals(dir) || dir.getFileName() == null
                || !dir.getFileName().toString().equals(name)) {
            throw new IllegalArgumentException("cached VM " + name + ": " + what + " " + dir
                    + " is not an absolute, normalised path ending in the VM's name");
        }
    }
}
