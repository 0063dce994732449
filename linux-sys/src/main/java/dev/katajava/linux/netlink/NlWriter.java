package dev.katajava.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Builds one netlink message: the header, the family's fixed struct, then attributes (nested ones by
 * {@link #begin}/{@link #end}). Everything is host (little-endian) order and 4-byte aligned, as the kernel
 * expects; {@link #finish} fills in the length and sequence number.
 */
public final class NlWriter {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
    private final Deque<Integer> nests = new ArrayDeque<>();

    /** A request of {@code type} with {@code flags} ({@code NLM_F_REQUEST} is added). */
    public NlWriter(int type, int flags) {
        buf.putInt(0).putShort((short) type).putShort((short) (flags | Rtnetlink.NLM_F_REQUEST)).putInt(0).putInt(0);
    }

    public NlWriter u8(int v) {
        room(1);
        buf.put((byte) v);
        return this;
    }

    public NlWriter u16(int v) {
        room(2);
        buf.putShort((short) v);
        return this;
    }

    public NlWriter u32(int v) {
        room(4);
        buf.putInt(v);
        return this;
    }

    /** Raw bytes inside the fixed struct or an attribute. */
    public NlWriter bytes(byte[] b) {
        room(b.length);
        buf.put(b);
        return this;
    }

    /** An attribute with {@code value} as its payload. */
    public NlWriter attr(int type, byte[] value) {
        align();
        room(4 + value.length);
        buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        align();
        return this;
    }

    public NlWriter attrU32(int type, int value) {
        return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** A NUL-terminated string attribute. */
    public NlWriter attrString(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        return attr(type, Arrays.copyOf(s, s.length + 1));
    }

    /** Opens a nested attribute; attributes until the matching {@link #end} go inside it. */
    public NlWriter begin(int type) {
        align();
        room(4);
        nests.push(buf.position());
        buf.putShort((short) 0).putShort((short) type);
        return this;
    }

    public NlWriter end() {
        int start = nests.pop();
        buf.putShort(start, (short) (buf.position() - start));
        align();
        return this;
    }

    /** The finished message with sequence number {@code seq}. */
    public byte[] finish(int seq) {
        if (!nests.isEmpty()) {
            throw new IllegalStateException("netlink message has " + nests.size() + " unclosed nested attributes");
        }
        align();
        buf.putInt(0, buf.position());
        buf.putInt(8, seq);
        return Arrays.copyOf(buf.array(), buf.position());
    }

    /** The message type this writer builds. */
    public int type() {
        return buf.getShort(4) & 0xffff;
    }

    /** The header flags, NLM_F_REQUEST included. */
    public int flags() {
        return buf.getShort(6) & 0xffff;
    }

    /** Adds {@code flags} to the header. */
    public NlWriter addFlags(int flags) {
        buf.putShort(6, (short) (flags() | flags));
        return this;
    }

    private void align() {
        int pad = (4 - (buf.position() & 3)) & 3;
        room(pad);
        for (int i = 0; i < pad; i++) {
            buf.put((byte) 0);
        }
    }

    private void room(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                    .order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }
}
