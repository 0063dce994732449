package dev.katajava.vhostuser.memory;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Mmap;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM mapped from the descriptors of a SET_MEM_TABLE message. Owns the mappings: after {@link #close}
 * every segment of its {@link GuestMemory} is dangling, so the owner stops all queue threads first.
 */
public final class MappedMemoryTable implements AutoCloseable {
    private static final long PAGE = 4096;

    /** One region as the front end describes it. */
    public record RegionDescription(long guestPhysAddr, long size, long userAddr, long mmapOffset) {
    }

    private final List<MemorySegment> mappings;
    private final GuestMemory memory;

    private MappedMemoryTable(List<MemorySegment> mappings, GuestMemory memory) {
        this.mappings = mappings;
        this.memory = memory;
    }

    /**
     * Maps each region from its descriptor. The descriptors stay the caller's to close (a mapping keeps the
     * memory alive by itself). On failure nothing stays mapped.
     */
    public static MappedMemoryTable map(List<RegionDescription> regions, int[] fds) throws ErrnoException {
        if (regions.size() != fds.length) {
            throw new IllegalArgumentException(regions.size() + " memory regions came with " + fds.length
                    + " descriptors");
        }
        List<MemorySegment> mappings = new ArrayList<>();
        List<MemoryRegion> mapped = new ArrayList<>();
        try {
            for (int i = 0; i < regions.size(); i++) {
                RegionDescription r = regions.get(i);
                // A size that overflows once the offset's lead into its page is added cannot be mapped.
                if (r.size() <= 0 || r.mmapOffset() < 0 || r.size() > Long.MAX_VALUE - PAGE) {
                    throw new IllegalArgumentException("memory region " + i + " has size " + r.size()
                            + " and offset " + r.mmapOffset());
                }
                // mmap wants a page-aligned offset: map from the page start and slice the region out.
                long start = r.mmapOffset() & -PAGE;
                long lead = r.mmapOffset() - start;
                MemorySegment mapping = Mmap.mapShared(fds[i], Math.addExact(lead, r.size()), start, true);
                mappings.add(mapping);
                mapped.add(new MemoryRegion(r.guestPhysAddr(), r.size(), r.userAddr(),
                        mapping.asSlice(lead, r.size())));
            }
            return new MappedMemoryTable(mappings, new GuestMemory(mapped));
        } catch (ErrnoException | RuntimeException e) {
            unmapAll(mappings);
            throw e;
        }
    }

    public GuestMemory memory() {
        return memory;
    }

    @Override
    public void close() {
        unmapAll(mappings);
        mappings.clear();
    }

    private static void unmapAll(List<MemorySegment> mappings) {
        for (MemorySegment m : mappings) {
            try {
                Mmap.unmap(m);
            } catch (ErrnoException ignored) {
                // munmap of a mapping we made only fails for a bad address, which cannot happen here.
            }
        }
    }
}
