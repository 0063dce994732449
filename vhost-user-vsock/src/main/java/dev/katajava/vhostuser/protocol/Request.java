package dev.katajava.vhostuser.protocol;

/** The front-end requests this backend knows by name (vhost-user spec numbering). */
public enum Request {
    GET_FEATURES(1),
    SET_FEATURES(2),
    SET_OWNER(3),
    RESET_OWNER(4),
    SET_MEM_TABLE(5),
    SET_LOG_BASE(6),
    SET_LOG_FD(7),
    SET_VRING_NUM(8),
    SET_VRING_ADDR(9),
    SET_VRING_BASE(10),
    GET_VRING_BASE(11),
    SET_VRING_KICK(12),
    SET_VRING_CALL(13),
    SET_VRING_ERR(14),
    GET_PROTOCOL_FEATURES(15),
    SET_PROTOCOL_FEATURES(16),
    GET_QUEUE_NUM(17),
    SET_VRING_ENABLE(18),
    GET_CONFIG(24),
    SET_CONFIG(25);

    private final int code;

    Request(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The request with this code, or null when this backend does not implement it. */
    public static Request of(int code) {
        for (Request r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }

    /** A name for logs, also for codes not in this enum. */
    public static String describe(int code) {
        Request r = of(code);
        return r == null ? "request " + code : r.name();
    }
}
