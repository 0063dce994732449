package dev.katajava.virtcontainers.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the host reaches the guest agent, and what the VM must carry for it.
 *
 * @param kind   the device that carries the agent's stream
 * @param socket for {@link Kind#VIRTIO_SERIAL} the Unix socket the VMM serves for the port; for
 *               {@link Kind#VHOST_USER_VSOCK} the hybrid-vsock socket host clients dial; unused for vhost-vsock
 * @param cid    the guest's vsock context id (vsock kinds)
 */
public record AgentEndpoint(Kind kind, Path socket, long cid) {
    /** The agent's vsock port, as Kata's agent listens. */
    public static final int VSOCK_PORT = 1024;

    public enum Kind {
        /** QEMU's vhost-vsock device: AF_VSOCK on the host, needs the host's vhost_vsock module. */
        VHOST_VSOCK,
        /** QEMU's vhost-user-vsock device served by our backend: hybrid vsock over a Unix socket. */
        VHOST_USER_VSOCK,
        /** A virtio-serial port: the fallback that works with any QEMU. */
        VIRTIO_SERIAL;

        public boolean isVsock() {
            return this != VIRTIO_SERIAL;
        }
    }

    public AgentEndpoint {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(socket, "socket");
        if (kind.isVsock() && (cid < 3 || cid > 0xFFFF_FFFEL)) {
            throw new IllegalArgumentException("a guest vsock CID must be between 3 and 2^32-2, got " + cid);
        }
    }

    public static AgentEndpoint virtioSerial(Path socket) {
        return new AgentEndpoint(Kind.VIRTIO_SERIAL, socket, 0);
    }
}
