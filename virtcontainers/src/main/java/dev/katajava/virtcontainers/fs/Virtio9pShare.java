package dev.katajava.virtcontainers.fs;

import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Path;

/** The sandbox share exported by the VMM itself over virtio-9p. */
public final class Virtio9pShare implements SharedFilesystem {
    private final ShareTree tree;

    public Virtio9pShare(SandboxShareLayout layout) {
        this.tree = new ShareTree(layout);
    }

    @Override
    public void prepare() throws IOException {
        tree.prepare();
    }

    @Override
    public ShareDevice device() {
        return ShareDevice.virtio9p(tree.exported());
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
        return tree.shareRootfs(containerId, hostRootfs);
    }

    @Override
    public String shareVolume(String containerId, Path source, String name, boolean recursive, boolean readonly)
            throws IOException {
        return tree.shareVolume(containerId, source, name, recursive, readonly);
    }

    @Override
    public void unshareContainer(String containerId) throws IOException {
        tree.unshareContainer(containerId);
    }

    @Override
    public void cleanup() {
        tree.cleanup();
    }
}
