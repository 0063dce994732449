package dev.katajava.vhostuser.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Guest RAM as the device sees it: translates guest-physical addresses (used in descriptors) and front-end
 * virtual addresses (used in SET_VRING_ADDR) to slices of our mappings.
 *
 * <p>Every returned slice lies within one region's mapping, so accesses through it are bounds-checked by the
 * segment and can never touch memory outside guest RAM, whatever address the guest wrote. The guest may still
 * change the bytes concurrently, so callers read each value once and validate the copy.
 */
public final class GuestMemory {
    private final List<MemoryRegion> regions;

    public GuestMemory(List<MemoryRegion> regions) {
        this.regions = List.copyOf(regions);
    }

    public List<MemoryRegion> regions() {
        return regions;
    }

    /** The {@code len} bytes at guest-physical {@code addr}. */
    public MemorySegment guestPhysical(long addr, long len) throws GuestMemoryException {
        for (MemoryRegion r : regions) {
            if (MemoryRegion.covers(r.guestPhysAddr(), r.size(), addr, len)) {
                return r.mapping().asSlice(addr - r.guestPhysAddr(), len);
            }
        }
        throw new GuestMemoryException("guest-physical range 0x" + Long.toHexString(addr) + "+" + len
                + " is outside guest memory");
    }

    /** The {@code len} bytes at the front end's virtual address {@code addr}. */
    public MemorySegment frontEndVirtual(long addr, long len) throws GuestMemoryException {
        for (MemoryRegion r : regions) {
            if (MemoryRegion.covers(r.userAddr(), r.size(), addr, len)) {
                return r.mapping().asSlice(addr - r.userAddr(), len);
            }
        }
        throw new GuestMemoryException("front-end address range 0x" + Long.toHexString(addr) + "+" + len
                + " is outside every memory region");
    }
}
