package dev.katajava.ttrpc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads frames off a stream. An oversized frame's body is read and thrown away in small pieces, never
 * held in memory, so a hostile length cannot exhaust the heap and the stream stays in sync.
 */
final class FrameReader {
    /** A frame; {@code body} is null when the frame was oversized and its body skipped. */
    record Frame(Frames.Header header, byte[] body) {
    }

    /** Largest piece an oversized body is read in. */
    static final int SKIP_CHUNK = 64 * 1024;

    private final ByteStream stream;
    private final ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);

    FrameReader(ByteStream stream) {
        this.stream = stream;
    }

    /** The next frame, or null at a clean end of stream (between frames). */
    Frame next() throws IOException {
        header.clear();
        if (!fill(header, true)) {
            return null;
        }
        header.flip();
        Frames.Header h = Frames.Header.decode(header);
        if (h.oversized()) {
            skip(h.length());
            return new Frame(h, null);
        }
        ByteBuffer body = ByteBuffer.allocate((int) h.length());
        fill(body, false);
        return new Frame(h, body.array());
    }

    private boolean fill(ByteBuffer buf, boolean eofAllowedAtStart) throws IOException {
        while (buf.hasRemaining()) {
            int n = stream.read(buf);
            if (n < 0) {
                if (eofAllowedAtStart && buf.position() == 0) {
                    return false;
                }
                throw new EOFException("stream ended inside a frame");
            }
        }
        return true;
    }

    private void skip(long length) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate((int) Math.min(SKIP_CHUNK, length));
        long left = length;
        while (left > 0) {
            sink.clear().limit((int) Math.min(sink.capacity(), left));
            int n = stream.read(sink);
            if (n < 0) {
                throw new EOFException("stream ended inside an oversized frame");
            }
            left -= n;
        }
    }
}
