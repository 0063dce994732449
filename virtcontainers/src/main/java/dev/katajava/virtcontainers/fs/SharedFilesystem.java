package dev.katajava.virtcontainers.fs;

import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How container root filesystems on the host reach the guest: virtio-9p, or virtio-fs when a virtiofsd is
 * configured.
 *
 * <p>Lifecycle: {@link #prepare} once before the VM boots; {@link #startBackend} before each launch of the
 * VMM; {@link #shareRootfs} and {@link #shareVolume} per
 * container, undone by {@link #unshareContainer}; {@link #cleanup} once after the VM is gone. cleanup is safe to
 * call after a partial prepare.
 */
public interface SharedFilesystem {
    /** Creates the host directories and mounts the VM will see. */
    void prepare() throws IOException;

    /**
     * Starts whatever serves the share to one VMM process, replacing what served an earlier launch; nothing
     * for a share the VMM serves itself.
     */
    void startBackend() throws IOException;

    /** The device the VM needs for the share. */
    ShareDevice device();

    /** The storage entry that tells the agent how to mount the share (sent with CreateSandbox). */
    Storage guestStorage();

    /** Makes {@code hostRootfs} visible in the guest; returns the guest path of the container's rootfs. */
    String shareRootfs(String containerId, Path hostRootfs) throws IOException;

    /**
     * Makes the host file or directory {@code source} visible in the guest for a container's bind mount;
     * returns its guest path. {@code name} ends the entry's name, for people reading the mount table.
     */
    String shareVolume(String containerId, Path source, String name, boolean recursive, boolean readonly)
            throws IOException;

    /** Removes the container's rootfs and volumes from the share. */
    void unshareContainer(String containerId) throws IOException;

    /** Stops what {@link #prepare} started; unmounts and removes everything it and {@link #shareRootfs} created. */
    void cleanup();
}
