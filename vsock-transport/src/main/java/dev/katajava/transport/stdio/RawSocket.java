package dev.katajava.transport.stdio;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Small blocking reads and writes on a raw socket descriptor, for the few bytes of a stream's preamble. */
final class RawSocket {
    private RawSocket() {
    }

    static void writeAll(int fd, byte[] bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Fds.writeFully(fd, seg, bytes.length);
        }
    }

    /** Reads exactly {@code n} bytes; fails on end of stream before them. */
    static byte[] readExactly(int fd, int n) throws IOException {
        byte[] out = new byte[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(1, n));
            int got = 0;
            while (got < n) {
                int r = Fds.read(fd, seg.asSlice(got), n - got);
                if (r == 0) {
                    throw new EOFException("stream ended after " + got + " of " + n + " bytes");
                }
                got += r;
            }
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, out, 0, n);
        }
        return out;
    }

    /** Reads one line ending in a newline (not returned), byte by byte so nothing after it is consumed. */
    static String readLine(int fd, int max) throws IOException {
        StringBuilder line = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            while (line.length() < max) {
                if (Fds.read(fd, one, 1) == 0) {
                    return line.toString();
                }
                char c = (char) (one.get(ValueLayout.JAVA_BYTE, 0) & 0xff);
                if (c == '\n') {
                    return line.toString();
                }
                line.append(c);
            }
        }
        return line.toString();
    }

    static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // Nothing is left to release.
        }
    }

    static void shutdownQuietly(int fd, int how) {
        try {
            UnixSockets.shutdown(fd, how);
        } catch (ErrnoException ignored) {
            // Not connected any more: nothing to shut.
        }
    }
}
