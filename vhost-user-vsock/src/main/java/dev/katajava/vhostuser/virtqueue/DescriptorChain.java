package dev.katajava.vhostuser.virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One validated chain: its head index and its buffers, device-readable ones first, each a bounds-checked slice
 * of guest memory.
 */
public record DescriptorChain(int head, List<MemorySegment> readable, List<MemorySegment> writable) {
    public DescriptorChain {
        readable = List.copyOf(readable);
        writable = List.copyOf(writable);
    }

    public long readableLength() {
        return total(readable);
    }

    public long writableLength() {
        return total(writable);
    }

    /** Copies every readable byte out of guest memory; the caller bounds {@link #readableLength()} first. */
    public byte[] readAll() {
        long length = readableLength();
        if (length > Integer.MAX_VALUE) {
            throw new IllegalStateException("chain " + head + " has " + length + " readable bytes");
        }
        byte[] out = new byte[(int) length];
        int at = 0;
        for (MemorySegment s : readable) {
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, out, at, (int) s.byteSize());
            at += (int) s.byteSize();
        }
        return out;
    }

    /**
     * Copies {@code len} readable bytes starting {@code position} bytes into the chain to {@code dst} at
     * {@code off}; returns how many, fewer when the readable buffers end first.
     */
    public int read(long position, byte[] dst, int off, int len) {
        int done = 0;
        long skip = position;
        for (MemorySegment s : readable) {
            if (done == len) {
                break;
            }
            if (skip >= s.byteSize()) {
                skip -= s.byteSize();
                continue;
            }
            int n = (int) Math.min(len - done, s.byteSize() - skip);
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, skip, dst, off + done, n);
            done += n;
            skip = 0;
        }
        return done;
    }

    /**
     * Copies {@code len} bytes of {@code src} into the writable buffers starting {@code position} bytes into
     * them. Returns the bytes written, fewer than {@code len} when the buffers end first.
     */
    public int write(long position, byte[] src, int off, int len) {
        int written = 0;
        long skip = position;
        for (MemorySegment s : writable) {
            if (written == len) {
                break;
            }
            if (skip >= s.byteSize()) {
                skip -= s.byteSize();
                continue;
            }
            int n = (int) Math.min(len - written, s.byteSize() - skip);
            MemorySegment.copy(src, off + written, s, ValueLayout.JAVA_BYTE, skip, n);
            written += n;
            skip = 0;
        }
        return written;
    }

    private static long total(List<MemorySegment> buffers) {
        long sum = 0;
        for (MemorySegment s : buffers) {
            sum += s.byteSize();
        }
        return sum;
    }
}
