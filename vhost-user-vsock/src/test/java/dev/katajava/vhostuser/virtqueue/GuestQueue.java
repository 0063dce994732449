package dev.katajava.vhostuser.virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The guest driver's side of one split virtqueue: offers chains on the avail ring and reads the used ring. */
public final class GuestQueue {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    public record Used(int head, int len) {
    }

    private final GuestDriver guest;
    private final int size;
    public final long descAddr;
    public final long availAddr;
    public final long usedAddr;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final Map<Integer, List<long[]>> buffersByHead = new HashMap<>();
    private int nextDesc;
    private int availIdx;
    private int usedSeen;

    GuestQueue(GuestDriver guest, int size) {
        this.guest = guest;
        this.size = size;
        descAddr = guest.alloc(SplitVirtqueue.descriptorBytes(size), 16);
        availAddr = guest.alloc(SplitVirtqueue.availBytes(size), 2);
        usedAddr = guest.alloc(SplitVirtqueue.usedBytes(size), 4);
        desc = guest.at(descAddr, SplitVirtqueue.descriptorBytes(size));
        avail = guest.at(availAddr, SplitVirtqueue.availBytes(size));
        used = guest.at(usedAddr, SplitVirtqueue.usedBytes(size));
    }

    /** The device's view, resuming at the current avail index (nothing offered yet is pending). */
    public SplitVirtqueue deviceView() {
        return new SplitVirtqueue(size, desc, avail, used, guest.memory(), availIdx);
    }

    public void setDescriptor(int index, long addr, int len, int flags, int next) {
        long at = 16L * index;
        desc.set(U64, at, addr);
        desc.set(U32, at + 8, len);
        desc.set(U16, at + 12, (short) flags);
        desc.set(U16, at + 14, (short) next);
    }

    /** Puts {@code head} on the avail ring and publishes it. */
    public void publish(int head) {
        avail.set(U16, 4L + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xFFFF;
        avail.set(U16, 2, (short) availIdx);
    }

    public void setAvailIndex(int idx) {
        avail.set(U16, 2, (short) idx);
    }

    public void suppressNotifications(boolean suppress) {
        avail.set(U16, 0, (short) (suppress ? 1 : 0));
    }

    /** Offers one chain of device-readable buffers holding {@code parts}; returns its head. */
    public int offerReadable(byte[]... parts) {
        List<long[]> buffers = new ArrayList<>();
        for (byte[] part : parts) {
            long addr = guest.alloc(Math.max(1, part.length), 8);
            MemorySegment.copy(part, 0, guest.at(addr, part.length), ValueLayout.JAVA_BYTE, 0, part.length);
            buffers.add(new long[] {addr, part.length, 0});
        }
        return offer(buffers);
    }

    /** Offers one chain of device-writable buffers of the given sizes; returns its head. */
    public int offerWritable(int... sizes) {
        List<long[]> buffers = new ArrayList<>();
        for (int s : sizes) {
            buffers.add(new long[] {guest.alloc(s, 8), s, SplitVirtqueue.F_WRITE});
        }
        return offer(buffers);
    }

    private int offer(List<long[]> buffers) {
        int head = nextDesc;
        for (int i = 0; i < buffers.size(); i++) {
            long[] b = buffers.get(i);
            int index = (head + i) % size;
            boolean last = i == buffers.size() - 1;
            setDescriptor(index, b[0], (int) b[1], (int) b[2] | (last ? 0 : SplitVirtqueue.F_NEXT), (index + 1) % size);
        }
        nextDesc = (head + buffers.size()) % size;
        buffersByHead.put(head, buffers);
        publish(head);
        return head;
    }

    /** Used entries the device added since the last call. */
    public List<Used> takeUsed() {
        int idx = Short.toUnsignedInt(used.get(U16, 2));
        List<Used> out = new ArrayList<>();
        while (usedSeen != idx) {
            long at = 4L + 8L * (usedSeen % size);
            out.add(new Used(used.get(U32, at), used.get(U32, at + 4)));
            usedSeen = (usedSeen + 1) & 0xFFFF;
        }
        return out;
    }

    /** The first {@code len} bytes the device wrote into chain {@code head}. */
    public byte[] written(int head, int len) {
        byte[] out = new byte[len];
        int at = 0;
        for (long[] b : buffersByHead.get(head)) {
            int n = (int) Math.min(len - at, b[1]);
            MemorySegment.copy(guest.at(b[0], b[1]), ValueLayout.JAVA_BYTE, 0, out, at, n);
            at += n;
            if (at == len) {
                break;
            }
        }
        return out;
    }

    /** Starts both ring indices at {@code index}, as after a long-running guest. */
    public void startAt(int index) {
        availIdx = index & 0xFFFF;
        usedSeen = index & 0xFFFF;
        avail.set(U16, 2, (short) availIdx);
        used.set(U16, 2, (short) usedSeen);
    }
}
