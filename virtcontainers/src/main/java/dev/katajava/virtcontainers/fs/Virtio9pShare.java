package dev.katajava.virtcontainers.fs;

import dev.katajava.linux.Mounts;
import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The sandbox share exported over virtio-9p. */
public final class Virtio9pShare implements SharedFilesystem {
    private final SandboxShareLayout layout;
    private final HostBinds volumes;

    public Virtio9pShare(SandboxShareLayout layout) {
        this.layout = layout;
        this.volumes = new HostBinds(layout);
    }

    @Override
    public void prepare() throws IOException {
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

    @Override
    public Path exportDir() {
        return layout.shared();
    }

    @Override
    public Storage guestStorage() {
        return Storage.newBuilder()
                .setDriver("9p")
                .setSource(VmSpec.SHARED_FS_TAG)
                .setFstype("9p")
                .addOptions("trans=virtio")
                .addOptions("version=9p2000.L")
                .addOptions("cache=mmap")
                .addOptions("nodev")
                .addOptions("msize=512000")
                .setMountPoint(SandboxShareLayout.GUEST_SHARED_DIR)
                .build();
    }

    @Override
    public String shareRootfs(String containerId, Path hostRootfs) throws IOException {
        Path target = layout.containerRootfs(containerId);
        Files.createDirectories(target);
        Mounts.mount(hostRootfs.toString(), target.toString(), null, Mounts.MS_BIND, null);
        return SandboxShareLayout.guestRootfs(containerId);
    }

    @Override
    public String shareVolume(String containerId, Path source, String name, boolean recursive, boolean readonly)
            throws IOException {
        return SandboxShareLayout.GUEST_SHARED_DIR + volumes.bind(containerId, source, name, recursive, readonly);
    }

    @Override
    public void unshareContainer(String containerId) throws IOException {
        volumes.release(containerId);
        Path target = layout.containerRootfs(containerId);
        MountCleaner.unmountAllUnder(target);
        Files.deleteIfExists(target);
        Files.deleteIfExists(target.getParent());
    }

    @Override
    public void cleanup() {
        MountCleaner.unmountAllUnder(layout.sandboxDir());
        MountCleaner.removeTreeIfUnmounted(layout.sandboxDir());
    }
}
