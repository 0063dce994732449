package dev.katajava.virtcontainers.fs;

import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;

/** The sandbox share exported by the VMM itself over virtio-9p. */
public final class Virtio9pShare extends TreeBackedShare {
    public Virtio9pShare(SandboxShareLayout layout) {
        super(layout);
    }

    @Override
    public void prepare() throws IOException {
        tree.prepare();
    }

    /** QEMU serves 9p itself. */
    @Override
    public void startBackend() {
    }

    @Override
    public ShareDevice device() {
        return ShareDevice.virtio9p(tree.exported());
    }

    @Override
    public Storage guestStorage() {
        return storage();
    }

    /** How the guest mounts a 9p share at the shared directory containers' rootfs and volumes are under. */
    public static Storage storage() {
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
    public void cleanup() {
        tree.cleanup();
    }
}
