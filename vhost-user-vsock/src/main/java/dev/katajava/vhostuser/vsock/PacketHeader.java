package dev.katajava.vhostuser.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 44-byte little-endian virtio-vsock packet header. CIDs are 64-bit on the wire; ports, lengths and
 * counters are unsigned 32-bit values carried in Java ints.
 */
public record PacketHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op,
        int flags, int bufAlloc, int fwdCnt) {
    public static final int SIZE = 44;
    public static final int TYPE_STREAM = 1;
    public static final int SHUTDOWN_RCV = 1;
    public static final int SHUTDOWN_SEND = 2;

    /** Decodes the first {@link #SIZE} bytes of {@code bytes}. */
    public static PacketHeader decode(byte[] bytes) {
        if (bytes.length < SIZE) {
            throw new IllegalArgumentException("vsock header needs " + SIZE + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new PacketHeader(b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(),
                Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()), b.getInt(), b.getInt(),
                b.getInt());
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len)
                .putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt);
        return b.array();
    }

    public PacketHeader withLen(int newLen) {
        return new PacketHeader(srcCid, dstCid, srcPort, dstPort, newLen, type, op, flags, bufAlloc, fwdCnt);
    }

    public long payloadLength() {
        return Integer.toUnsignedLong(len);
    }

    @Override
    public String toString() {
        Op known = Op.of(op);
        return (known == null ? "op " + op : known.name()) + " " + srcCid + ":" + Integer.toUnsignedString(srcPort)
                + " -> " + dstCid + ":" + Integer.toUnsignedString(dstPort) + " len " + payloadLength();
    }
}
