package dev.katajava.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What this host offers a sandbox, and what the runtime will use instead where something is missing.
 * Each finding is one line; a missing requirement (no QEMU, no guest image) makes the host unusable.
 */
final class HostCheck {
    /** One finding: {@code ok} false with {@code required} true means containers cannot run. */
    record Finding(String item, boolean ok, boolean required, String detail) {
        String line() {
            return (ok ? "ok     " : required ? "ERROR  " : "absent ") + item + ": " + detail;
        }
    }

    private final Path root;

    /** @param root "/" on a real host; a test directory standing in for it in tests */
    HostCheck(Path root) {
        this.root = root;
    }

    private Path at(Path absolute) {
        return root.resolve(root.getRoot().relativize(absolute));
    }

    /** {@code image} is the configured root image, or null when the guest boots from {@code initrd} alone. */
    List<Finding> run(Path qemu, Path kernel, Path initrd, Path image) {
        List<Finding> findings = new ArrayList<>();
        Path kvm = at(Path.of("/dev/kvm"));
        Path verdict = kvmVerdict();
        if (!Files.exists(kvm)) {
            findings.add(new Finding("KVM", false, false, "/dev/kvm is missing; VMs run under TCG (15-30x slower)"));
        } else if (verdict != null) {
            findings.add(new Finding("KVM", false, false, "/dev/kvm exists but did not give a working guest on this boot ("
                    + firstLine(verdict) + "); VMs run under TCG"));
        } else {
            findings.add(new Finding("KVM", Files.isReadable(kvm) && Files.isWritable(kvm), false,
                    "/dev/kvm is present; it is tried first and TCG is used if the guest does not come up"));
        }
        findings.add(Files.exists(at(Path.of("/dev/vhost-vsock")))
                ? new Finding("vhost-vsock", true, false, "/dev/vhost-vsock is present")
                : new Finding("vhost-vsock", false, false,
                        "/dev/vhost-vsock is missing; the agent is reached over vhost-user-vsock (our backend)"));
        findings.add(Files.isExecutable(at(qemu))
                ? new Finding("QEMU", true, true, qemu + " (" + qemuVersion(at(qemu)) + ")")
                : new Finding("QEMU", false, true, qemu + " is not an executable file (install qemu-system-x86)"));
        findings.add(imageFinding("guest kernel", kernel, "run guest-image/build.sh --install"));
        findings.add(imageFinding(image == null ? "guest initrd" : "guest loader initrd", initrd,
                "run guest-image/build.sh --install"));
        if (image != null) {
            findings.add(imageFinding("guest root image", image, "run guest-image/build.sh --install"));
        }
        return findings;
    }

    /**
     * A verdict of the runtime's KVM probe on this boot (one file per QEMU and guest kernel, named
     * kvm-unusable-*), or null when no probe condemned KVM.
     */
    private Path kvmVerdict() {
        try (var files = Files.list(at(Path.of("/run/kata-containers")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("kvm-unusable")).sorted().findFirst()
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private Finding imageFinding(String item, Path file, String fix) {
        return Files.isRegularFile(at(file))
                ? new Finding(item, true, true, file.toString())
                : new Finding(item, false, true, file + " is missing (" + fix + ")");
    }

    static boolean usable(List<Finding> findings) {
        return findings.stream().noneMatch(f -> f.required() && !f.ok());
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse("").strip();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    static String qemuVersion(Path qemu) {
        try {
            Process p = new ProcessBuilder(qemu.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "version unknown";
            }
            return out.lines().findFirst().orElse("version unknown").strip();
        } catch (IOException e) {
            return "version unknown: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "version unknown";
        }
    }
}
