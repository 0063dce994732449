package dev.katajava.vhostuser.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous piece of guest RAM: where the guest sees it, where the front end's process has it, and our
 * mapping of it.
 *
 * <p>Invariant: {@code mapping.byteSize() == size}, so a bounds-checked slice of {@code mapping} can never
 * reach outside the region.
 */
public record MemoryRegion(long guestPhysAddr, long size, long userAddr, MemorySegment mapping) {
    public MemoryRegion {
        Objects.requireNonNull(mapping);
        if (size <= 0 || mapping.byteSize() != size) {
            throw new IllegalArgumentException("region size " + size + " does not match its mapping of "
                    + mapping.byteSize() + " bytes");
        }
        if (Long.compareUnsigned(guestPhysAddr, -1L - (size - 1)) > 0
                || Long.compareUnsigned(userAddr, -1L - (size - 1)) > 0) {
            throw new IllegalArgumentException("region at guest 0x" + Long.toHexString(guestPhysAddr)
                    + " of " + size + " bytes wraps the address space");
        }
    }

    /** Whether [start, start+len) lies wholly inside [base, base+size); all values are unsigned. */
    static boolean covers(long base, long size, long start, long len) {
        if (Long.compareUnsigned(start, base) < 0) {
            return false;
        }
        long offset = start - base;
        return Long.compareUnsigned(offset, size) <= 0 && Long.compareUnsigned(len, size - offset) <= 0;
    }
}
