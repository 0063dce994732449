package dev.katajava.vhostuser.virtqueue;

import dev.katajava.vhostuser.memory.GuestMemory;
import dev.katajava.vhostuser.memory.MemoryRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** Plays the guest's memory for tests: one RAM region at a non-zero guest-physical base and a bump allocator. */
public final class GuestDriver implements AutoCloseable {
    public static final long GUEST_BASE = 0x10_0000L;
    public static final long FRONT_END_BASE = 0x7f00_0000_0000L;

    private final Arena arena;
    private final MemorySegment ram;
    private final GuestMemory memory;
    private long used;

    @SuppressWarnings("MustBeClosedChecker") // the driver owns the arena; close() closes it
    public GuestDriver(long ramBytes) {
        arena = Arena.ofShared();
        ram = arena.allocate(ramBytes, 4096);
        memory = new GuestMemory(List.of(new MemoryRegion(GUEST_BASE, ramBytes, FRONT_END_BASE, ram)));
    }

    /** A guest over RAM someone else owns (a shared mapping), which {@link #close} leaves alone. */
    public GuestDriver(MemorySegment sharedRam) {
        arena = null;
        ram = sharedRam;
        memory = new GuestMemory(List.of(new MemoryRegion(GUEST_BASE, ram.byteSize(), FRONT_END_BASE, ram)));
    }

    /** The front end's virtual address for a guest-physical one. */
    public static long frontEndAddress(long guestPhys) {
        return FRONT_END_BASE + (guestPhys - GUEST_BASE);
    }

    public GuestMemory memory() {
        return memory;
    }

    public MemorySegment ram() {
        return ram;
    }

    /** Reserves {@code bytes} of guest RAM and returns its guest-physical address. */
    public long alloc(long bytes, long alignment) {
        used = (used + alignment - 1) / alignment * alignment;
        long at = used;
        used += bytes;
        if (used > ram.byteSize()) {
            throw new IllegalStateException("test guest RAM exhausted");
        }
        return GUEST_BASE + at;
    }

    public MemorySegment at(long guestPhys, long bytes) {
        return ram.asSlice(guestPhys - GUEST_BASE, bytes);
    }

    public GuestQueue queue(int size) {
        return new GuestQueue(this, size);
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
