package dev.katajava.tests;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What a container may observe differently from runc because it runs in a VM, each with its reason; the
 * same normalisation is applied to both runs' section, and it touches nothing else. Kept in step with
 * docs/runc-differences.md.
 */
final class AcceptedDifferences {
    record Accepted(String section, String reason, UnaryOperator<List<String>> normalise) {
    }

    /** /proc entries one kernel may have and the other lack; masked or read-only wherever they exist. */
    private static final Set<String> KERNEL_DEPENDENT_PROC = Set.of("/proc/kcore", "/proc/sysrq-trigger");

    static final List<Accepted> LIST = List.of(
            new Accepted("kernel", "the kernel, its vCPUs and memory are the VM's, not the host's, and so are"
                    + " the global limits sized from them (pid_max, threads-max, file-max)",
                    lines -> List.of("<the VM's kernel, CPUs and memory>")),
            new Accepted("lsm", "the guest kernel has AppArmor and reports a process without a profile as"
                    + " unconfined; a host without an LSM there has nothing to report: no profile either way",
                    lines -> map(lines, l -> l.equals("profile unconfined") ? "profile none" : l)),
            new Accepted("mounts", "the root is the host's rootfs shared into the VM (9p or virtio-fs, nodev as"
                    + " Kata mounts the share), not an overlay mount: type, source and options differ",
                    lines -> map(lines, l -> l.startsWith("/ ") ? "/ <shared root>" : l)),
            new Accepted("mounts", "the guest kernel gives tmpfs 64-bit inode numbers and lists inode64 among"
                    + " the superblock's options",
                    lines -> map(lines, l -> l.replace(",inode64", ""))),
            new Accepted("mounts", "containers share the VM's network namespace, so /sys is the guest's sysfs"
                    + " superblock (rw) mounted read-only; runc's new network namespace gets a new read-only one",
                    lines -> map(lines, l -> l.startsWith("/sys sysfs ") ? l.replaceAll(" \\S+$", " <superblock>") : l)),
            new Accepted("mounts", "/proc entries that only one of the kernels has (" + KERNEL_DEPENDENT_PROC
                    + "): their masking is compared in the masked and readonly sections",
                    lines -> lines.stream().filter(l -> !KERNEL_DEPENDENT_PROC.contains(l.split(" ", -1)[0])).toList()),
            new Accepted("masked", "a path the kernel lacks needs no masking: absent and masked are alike",
                    lines -> map(lines, l -> l.matches("\\S+ (absent|file bytes=0 1:3|dir entries=0 tmpfs)")
                            ? l.split(" ", -1)[0] + " <absent or masked>" : l)),
            new Accepted("readonly", "a path the kernel lacks needs no read-only mount: absent and ro are alike",
                    lines -> map(lines, l -> l.matches("\\S+ (absent|ro)") ? l.split(" ", -1)[0] + " <absent or ro>" : l)),
            new Accepted("cgroup", "the cgroup version is the kernel's: this host mounts cgroup v1 hierarchies,"
                    + " the guest has cgroup v2 only; the unified (0::) path is compared",
                    lines -> lines.stream().filter(l -> !l.matches("[1-9]\\d*:.*")).toList()));

    private AcceptedDifferences() {
    }

    private static List<String> map(List<String> lines, UnaryOperator<String> f) {
        return lines.stream().map(f).toList();
    }
}
