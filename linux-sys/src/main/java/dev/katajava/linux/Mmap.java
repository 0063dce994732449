package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/** Shared mappings of a file descriptor (mmap with MAP_SHARED, munmap). */
public final class Mmap {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final long MAP_FAILED = -1L;

    private static final Downcall MMAP = Downcall.errno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final Downcall MUNMAP = Downcall.errno("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private Mmap() {
    }

    /**
     * Maps {@code length} bytes of {@code fd} from {@code offset} (a multiple of the page size), shared so
     * that writes are seen by every other mapping of the same file. The segment stays valid until
     * {@link #unmap}; touching it afterwards crashes the process, so owners must stop all users first.
     */
    @SuppressWarnings("restricted") // sizes the segment mmap(2) returned to the length it mapped
    public static MemorySegment mapShared(int fd, long length, long offset, boolean writable) throws ErrnoException {
        if (length <= 0 || offset < 0) {
            throw new IllegalArgumentException("bad mapping: length " + length + ", offset " + offset);
        }
        int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment addr = MemorySegment.ofAddress(MMAP.call(capture, MemorySegment.NULL, length, prot,
                    MAP_SHARED, fd, offset));
            if (addr.address() == MAP_FAILED) {
                throw new ErrnoException("mmap", Libc.errno(capture),
                        "fd " + fd + ", length " + length + ", offset " + offset);
            }
            // The kernel returned a mapping of exactly this many bytes, so the segment's bounds are its bounds.
            return addr.reinterpret(length);
        }
    }

    /** Removes a mapping made by {@link #mapShared}. */
    public static void unmap(MemorySegment mapping) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) MUNMAP.call(capture, mapping, mapping.byteSize());
            Libc.check(rc, capture, "munmap", "length " + mapping.byteSize());
        }
    }
}
