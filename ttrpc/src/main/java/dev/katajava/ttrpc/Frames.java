package dev.katajava.ttrpc;

import java.nio.ByteBuffer;

/**
 * ttrpc framing: a 10-byte big-endian header (u32 body length, u32 stream id, u8 type, u8 flags)
 * followed by the body, a protobuf Request or Response.
 */
public final class Frames {
    public static final int HEADER_SIZE = 10;
    /** Largest body either side accepts (4 MiB). */
    public static final int MAX_MESSAGE_SIZE = 4 << 20;
    public static final byte TYPE_REQUEST = 1;
    public static final byte TYPE_RESPONSE = 2;
    /** Streaming data (ttrpc 1.2); unary calls never use it, and this implementation ignores it. */
    public static final byte TYPE_DATA = 3;

    private Frames() {
    }

    /** A whole frame in one buffer, ready to be written with one call. */
    public static ByteBuffer encode(int streamId, byte type, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_SIZE + body.length);
        putHeader(frame, body.length, streamId, type).put(body).flip();
        return frame;
    }

    /** The header alone, for a gathering write with the body. */
    static ByteBuffer header(int bodyLength, int streamId, byte type) {
        return putHeader(ByteBuffer.allocate(HEADER_SIZE), bodyLength, streamId, type).flip();
    }

    private static ByteBuffer putHeader(ByteBuffer buf, int bodyLength, int streamId, byte type) {
        // Flags are always 0: unary ttrpc 1.1 sets none.
        return buf.putInt(bodyLength).putInt(streamId).put(type).put((byte) 0);
    }

    /** A decoded header. {@code length} is unsigned on the wire, so it is kept as a long. */
    public record Header(long length, int streamId, byte type, byte flags) {
        static Header decode(ByteBuffer buf) {
            return new Header(Integer.toUnsignedLong(buf.getInt()), buf.getInt(), buf.get(), buf.get());
        }

        public boolean oversized() {
            return length > MAX_MESSAGE_SIZE;
        }
    }
}
