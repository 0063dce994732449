package dev.katajava.virtcontainers.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The device that carries the sandbox share into the VM, with tag {@link VmSpec#SHARED_FS_TAG}.
 *
 * @param kind the transport
 * @param path for {@link Kind#VIRTIO_9P} the host directory the VMM itself exports; for
 *             {@link Kind#VIRTIO_FS} the vhost-user socket of the virtiofsd serving the directory
 */
public record ShareDevice(Kind kind, Path path) {
    public enum Kind {
        /** QEMU's built-in 9p server. */
        VIRTIO_9P,
        /** A vhost-user-fs device backed by an external virtiofsd; needs guest RAM the daemon can map. */
        VIRTIO_FS
    }

    public ShareDevice {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
    }

    public static ShareDevice virtio9p(Path exportedDir) {
        return new ShareDevice(Kind.VIRTIO_9P, exportedDir);
    }

    public static ShareDevice virtioFs(Path socket) {
        return new ShareDevice(Kind.VIRTIO_FS, socket);
    }
}
