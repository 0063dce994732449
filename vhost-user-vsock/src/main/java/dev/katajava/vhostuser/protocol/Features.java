package dev.katajava.vhostuser.protocol;

/** Feature bits this backend offers. */
public final class Features {
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;
    public static final int VIRTIO_F_VERSION_1 = 32;

    public static final int PROTOCOL_F_REPLY_ACK = 3;
    public static final int PROTOCOL_F_CONFIG = 9;

    /** Virtio features: modern (little-endian) device and the protocol-feature extension. No indirect, no event idx. */
    public static final long DEVICE = (1L << VIRTIO_F_VERSION_1) | (1L << VHOST_USER_F_PROTOCOL_FEATURES);
    /** Protocol features: acknowledged requests and the config space (QEMU's vsock device requires it). */
    public static final long PROTOCOL = (1L << PROTOCOL_F_REPLY_ACK) | (1L << PROTOCOL_F_CONFIG);

    private Features() {
    }

    public static boolean has(long features, int bit) {
        return (features & (1L << bit)) != 0;
    }
}
