package dev.katajava.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One vhost-user message: the 12-byte header fields, the payload and the descriptors that came with it. The
 * receiver owns {@code fds} and must close every one it does not keep.
 */
public record Message(int request, int flags, byte[] payload, int[] fds) {
    public static final int HEADER_SIZE = 12;
    public static final int VERSION = 1;
    public static final int VERSION_MASK = 0x3;
    public static final int FLAG_REPLY = 1 << 2;
    public static final int FLAG_NEED_REPLY = 1 << 3;
    /** No request this backend knows carries more; anything longer is a broken stream. */
    public static final int MAX_PAYLOAD = 4096;

    public boolean needsReply() {
        return (flags & FLAG_NEED_REPLY) != 0;
    }

    /** The payload as a little-endian buffer (the front end and this host are both little-endian). */
    public ByteBuffer body() {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A reply to {@code request} carrying {@code payload}. */
    public static Message reply(int request, byte[] payload) {
        return new Message(request, VERSION | FLAG_REPLY, payload, new int[0]);
    }

    public static byte[] u64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
