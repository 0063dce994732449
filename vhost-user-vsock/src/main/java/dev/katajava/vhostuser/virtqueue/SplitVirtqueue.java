package dev.katajava.vhostuser.virtqueue;

import dev.katajava.vhostuser.memory.GuestMemory;
import dev.katajava.vhostuser.memory.GuestMemoryException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The device side of a split virtqueue: takes descriptor chains off the avail ring and returns them on the used
 * ring. Not thread-safe: one thread serves a queue.
 *
 * <p>The rings live in memory the guest writes concurrently, so every field is read exactly once into a local
 * and validated there; a guest that rewrites a descriptor mid-walk can only make us reject the chain or use
 * its own buffers, never reach outside guest memory.
 */
public final class SplitVirtqueue {
    public static final int MAX_SIZE = 32768;

    static final int DESC_SIZE = 16;
    static final int F_NEXT = 1;
    static final int F_WRITE = 2;
    static final int F_INDIRECT = 4;
    private static final int AVAIL_F_NO_INTERRUPT = 1;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int size;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final GuestMemory memory;
    /** Free-running 16-bit counters, as in the rings. */
    private int nextAvail;
    private int nextUsed;

    /**
     * @param nextAvail the avail index to resume from (SET_VRING_BASE); the used index is resumed from the ring
     */
    public SplitVirtqueue(int size, MemorySegment descriptors, MemorySegment avail, MemorySegment used,
            GuestMemory memory, int nextAvail) {
        if (size <= 0 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two up to " + MAX_SIZE);
        }
        requireArea("descriptor table", descriptors, (long) DESC_SIZE * size, 16);
        requireArea("avail ring", avail, availBytes(size), 2);
        requireArea("used ring", used, usedBytes(size), 4);
        this.size = size;
        this.descriptors = descriptors;
        this.avail = avail;
        this.used = used;
        this.memory = Objects.requireNonNull(memory);
        this.nextAvail = nextAvail & 0xFFFF;
        this.nextUsed = Short.toUnsignedInt(used.get(U16, 2));
    }

    /** Bytes of the avail ring: flags, idx, the ring, used_event. */
    public static long availBytes(int size) {
        return 4L + 2L * size + 2;
    }

    /** Bytes of the used ring: flags, idx, the ring of {id, len}, avail_event. */
    public static long usedBytes(int size) {
        return 4L + 8L * size + 2;
    }

    public static long descriptorBytes(int size) {
        return (long) DESC_SIZE * size;
    }

    public int size() {
        return size;
    }

    /** Where the device will resume: the avail index after the last chain taken (GET_VRING_BASE). */
    public int nextAvailIndex() {
        return nextAvail;
    }

    /**
     * The next chain, or null when the guest has made none available. A chain that fails validation is consumed
     * and reported as {@link InvalidChainException}; the caller returns it with {@link #putUsed} length 0.
     */
    public DescriptorChain next() throws InvalidChainException, RingCorruptException {
        int availIdx = Short.toUnsignedInt(avail.get(U16, 2));
        int pending = (availIdx - nextAvail) & 0xFFFF;
        if (pending == 0) {
            return null;
        }
        if (pending > size) {
            throw new RingCorruptException("avail index " + availIdx + " is " + pending
                    + " entries ahead of " + nextAvail + " on a queue of " + size);
        }
        // The guest writes ring entries before publishing idx; order our entry read after our idx read.
        VarHandle.acquireFence();
        int head = Short.toUnsignedInt(avail.get(U16, 4L + 2L * (nextAvail % size)));
        nextAvail = (nextAvail + 1) & 0xFFFF;
        if (head >= size) {
            throw new InvalidChainException(-1, "avail ring names descriptor " + head + " of a queue of " + size);
        }
        return walk(head);
    }

    /** Returns chain {@code head} to the guest with {@code writtenLength} bytes written into it. */
    public void putUsed(int head, int writtenLength) {
        if (head < 0 || head >= size) {
            throw new IllegalArgumentException("descriptor " + head + " is not in a queue of " + size);
        }
        long entry = 4L + 8L * (nextUsed % size);
        used.set(U32, entry, head);
        used.set(U32, entry + 4, writtenLength);
        nextUsed = (nextUsed + 1) & 0xFFFF;
        // The guest may read the entry as soon as it sees idx move: the entry must be visible first.
        VarHandle.releaseFence();
        used.set(U16, 2, (short) nextUsed);
    }

    /** Whether the guest asked to be interrupted for used buffers (it may suppress that while polling). */
    public boolean guestWantsNotification() {
        // Our used-idx store must be visible before we read the guest's flag, or a wakeup could be lost.
        VarHandle.fullFence();
        return (avail.get(U16, 0) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    private DescriptorChain walk(int head) throws InvalidChainException {
        List<MemorySegment> readable = new ArrayList<>();
        List<MemorySegment> writable = new ArrayList<>();
        int index = head;
        for (int visited = 0; ; visited++) {
            if (visited >= size) {
                throw new InvalidChainException(head, "chain is longer than the queue (" + size
                        + " descriptors), so it loops");
            }
            long at = (long) DESC_SIZE * index;
            long addr = descriptors.get(U64, at);
            int len = descriptors.get(U32, at + 8);
            int flags = Short.toUnsignedInt(descriptors.get(U16, at + 12));
            int next = Short.toUnsignedInt(descriptors.get(U16, at + 14));
            if ((flags & F_INDIRECT) != 0) {
                throw new InvalidChainException(head, "descriptor " + index
                        + " is indirect, which was not negotiated");
            }
            MemorySegment buffer;
            try {
                buffer = memory.guestPhysical(addr, Integer.toUnsignedLong(len));
            } catch (GuestMemoryException e) {
                throw new InvalidChainException(head, "descriptor " + index + ": " + e.getMessage());
            }
            if ((flags & F_WRITE) != 0) {
                writable.add(buffer);
            } else if (!writable.isEmpty()) {
                throw new InvalidChainException(head, "descriptor " + index
                        + " is device-readable after a device-writable one");
            } else {
                readable.add(buffer);
            }
            if ((flags & F_NEXT) == 0) {
                return new DescriptorChain(head, readable, writable);
            }
            if (next >= size) {
                throw new InvalidChainException(head, "descriptor " + index + " links to " + next
                        + ", outside a queue of " + size);
            }
            index = next;
        }
    }

    private static void requireArea(String what, MemorySegment area, long bytes, long alignment) {
        if (area.byteSize() < bytes) {
            throw new IllegalArgumentException(what + " has " + area.byteSize() + " bytes, needs " + bytes);
        }
        if (area.address() % alignment != 0) {
            throw new IllegalArgumentException(what + " is not " + alignment + "-byte aligned");
        }
    }
}
