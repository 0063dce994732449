package dev.katajava.vhostuser.vsock;

/** virtio-vsock packet operations. */
public enum Op {
    REQUEST(1),
    RESPONSE(2),
    RST(3),
    SHUTDOWN(4),
    RW(5),
    CREDIT_UPDATE(6),
    CREDIT_REQUEST(7);

    private final int code;

    Op(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The op with this wire code, or null for a code the spec does not define. */
    public static Op of(int code) {
        for (Op op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return null;
    }
}
