package dev.katajava.transport.stdio;

import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.Poll;
import dev.katajava.linux.Splice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies one descriptor into another until end of input, inside the kernel where it can: splice(2) when
 * one side is a pipe and the other supports it, otherwise read and write through one native buffer, so the
 * bytes never become Java objects.
 */
public final class StreamCopy {
    /** Largest amount moved per call: a pipe holds 64 KiB by default, sockets take more at once. */
    static final int CHUNK = 1 << 20;
    private static final int BUFFER = 256 * 1024;

    private StreamCopy() {
    }

    /**
     * Moves everything from {@code in} to {@code out}; returns the byte count at end of input.
     *
     * @throws ErrnoException when reading or writing fails; {@link ErrnoException#errno} says how
     */
    public static long copy(int in, int out) throws ErrnoException {
        long total = 0;
        int[] input = {in};
        try {
            while (true) {
                // splice(2) holds the output pipe's lock for as long as it waits for input, and every other
                // user of that pipe (the reader closing its end, say) waits in the kernel meanwhile: so the
                // wait is done here, and splice only ever moves what is already there.
                Poll.waitReadable(input, -1);
                long n;
                try {
                    n = Splice.splice(in, out, CHUNK, Splice.SPLICE_F_MOVE | Splice.SPLICE_F_MORE
                            | Splice.SPLICE_F_NONBLOCK);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        throw e;
                    }
                    // The pipe is full (or the input was taken meanwhile): wait for room, then for input.
                    Poll.waitWritable(out, -1);
                    continue;
                }
                if (n == 0) {
                    return total;
                }
                total += n;
            }
        } catch (ErrnoException e) {
            // Neither side can splice (no pipe, or a socket family without splice_read): copy instead.
            if (e.errno() != Errno.EINVAL || total > 0) {
                throw e;
            }
        }
        return total + readWrite(in, out);
    }

    /** The copy through one native buffer. */
    public static long readWrite(int in, int out) throws ErrnoException {
        long total = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BUFFER);
            while (true) {
                int n = Fds.read(in, buf, BUFFER);
                if (n == 0) {
                    return total;
                }
                Fds.writeFully(out, buf, n);
                total += n;
            }
        }
    }
}
