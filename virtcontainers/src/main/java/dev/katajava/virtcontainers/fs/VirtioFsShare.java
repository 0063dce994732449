package dev.katajava.virtcontainers.fs;

import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.config.VirtioFsConfig;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The sandbox share served by an external virtiofsd over vhost-user-fs. A daemon is started by
 * {@link #startBackend} before each VMM launch (the VMM connects to its socket) and stopped by the next
 * one or by {@link #cleanup}; it also exits by itself when its VMM disconnects, so a relaunched VMM needs
 * a new one.
 */
public final class VirtioFsShare extends TreeBackedShare {
    private final SandboxShareLayout layout;
    private final Path runDir;
    private final VirtioFsConfig config;
    private VirtiofsDaemon daemon;

    /** @param runDir the sandbox's private run directory, where the daemon's socket and pid file go */
    public VirtioFsShare(SandboxShareLayout layout, Path runDir, VirtioFsConfig config) {
        super(layout);
        this.layout = layout;
        this.runDir = runDir;
        this.config = config;
    }

    @Override
    public void prepare() throws IOException {
        tree.prepare();
    }

    @Override
    public synchronized void startBackend() throws IOException {
        if (daemon != null) {
            daemon.stop();
            daemon = null;
        }
        String sandboxId = layout.sandboxDir().getFileName().toString();
        daemon = VirtiofsDaemon.start(config, runDir, tree.exported(), sandboxId, VirtiofsDaemon.SOCKET_WAIT);
    }

    @Override
    public ShareDevice device() {
        return ShareDevice.virtioFs(runDir.resolve(VirtiofsDaemon.SOCKET));
    }

    @Override
    public Storage guestStorage() {
        // As Kata sends it: the source is the device's tag.
        return Storage.newBuilder()
                .setDriver("virtio-fs")
                .setSource(VmSpec.SHARED_FS_TAG)
                .setFstype("virtiofs")
                .addOptions("nodev")
                .setMountPoint(SandboxShareLayout.GUEST_SHARED_DIR)
                .build();
    }

    @Override
    public void cleanup() {
        synchronized (this) {
            if (daemon != null) {
                daemon.stop();
                daemon = null;
            }
        }
        tree.cleanup();
    }
}
