package dev.katajava.virtcontainers.fs;

import dev.katajava.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host side of a sandbox share, whatever carries it to the guest: the {@code mounts/} and read-only
 * {@code shared/} directories, and the container binds made in them.
 */
final class ShareTree {
    private final SandboxShareLayout layout;
    private final HostBinds volumes;

    ShareTree(SandboxShareLayout layout) {
        this.layout = layout;
        this.volumes = new HostBinds(layout);
    }

    Path exported() {
        return layout.shared();
    }

    void prepare() throws IOException {
        Path mounts = layout.mounts();
        Path shared = layout.shared();
        Files.createDirectories(mounts);
        Files.createDirectories(shared);
        // mounts/ gets a peer group of its own (private first, then shared) so container binds propagate to
        // shared/ only, not back into the host's /run.
        Mounts.mount(mounts.toString(), mounts.toString(), null, Mounts.MS_BIND, null);
        Mounts.mount(null, mounts.toString(), null, Mounts.MS_PRIVATE, null);
        Mounts.mount(null, mounts.toString(), null, Mounts.MS_SHARED, null);
        Mounts.mount(mounts.toString(), shared.toString(), null, Mounts.MS_BIND, null);
        Mounts.mount(null, shared.toString(), null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY, null);
        Mounts.mount(null, shared.toString(), null, Mounts.MS_SLAVE, null);
    }

    String shareRootfs(String containerId, Path hostRootfs) throws IOException {
        Path target = layout.containerRootfs(containerId);
        Files.createDirectories(target);
        Mounts.mount(hostRootfs.toString(), target.toString(), null, Mounts.MS_BIND, null);
        return SandboxShareLayout.guestRootfs(containerId);
    }

    String shareVolume(String containerId, Path source, String name, boolean recursive, boolean readonly)
            throws IOException {
        return SandboxShareLayout.GUEST_SHARED_DIR + volumes.bind(containerId, source, name, recursive, readonly);
    }

    void unshareContainer(String containerId) throws IOException {
        volumes.release(containerId);
        Path target = layout.containerRootfs(containerId);
        MountCleaner.unmountAllUnder(target);
        Files.deleteIfExists(target);
        Files.deleteIfExists(target.getParent());
    }

    void cleanup() {
        MountCleaner.unmountAllUnder(layout.sandboxDir());
        MountCleaner.removeTreeIfUnmounted(layout.sandboxDir());
    }
}
