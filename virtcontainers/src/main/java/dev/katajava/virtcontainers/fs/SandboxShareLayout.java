package dev.katajava.virtcontainers.fs;

import java.nio.file.Path;

/**
 * Kata's host layout for one sandbox's share, under {@code <base>/sandboxes/<sid>/}: {@code mounts/} is
 * where the shim bind-mounts container root filesystems; {@code shared/} is a read-only, slave view of it
 * that the VMM exports, so the guest sees new mounts as they are made but cannot add any of its own.
 */
public record SandboxShareLayout(Path sandboxDir) {
    public static final Path DEFAULT_BASE = Path.of("/run/kata-containers/shared");
    /** Where the agent mounts the share in the guest. */
    public static final String GUEST_SHARED_DIR = "/run/kata-containers/shared/containers/";

    public static SandboxShareLayout of(Path base, String sandboxId) {
        return new SandboxShareLayout(base.resolve("sandboxes").resolve(sandboxId));
    }

    public Path mounts() {
        return sandboxDir.resolve("mounts");
    }

    public Path shared() {
        return sandboxDir.resolve("shared");
    }

    public Path containerRootfs(String containerId) {
        return mounts().resolve(containerId).resolve("rootfs");
    }

    public static String guestRootfs(String containerId) {
        return GUEST_SHARED_DIR + containerId + "/rootfs";
    }
}
