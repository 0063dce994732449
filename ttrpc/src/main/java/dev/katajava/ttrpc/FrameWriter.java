package dev.katajava.ttrpc;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/** Writes whole frames; concurrent writers never interleave inside a frame. */
final class FrameWriter {
    private final ByteStream stream;
    // A ReentrantLock rather than synchronized: writers are often virtual threads blocked in I/O.
    private final ReentrantLock lock = new ReentrantLock();

    FrameWriter(ByteStream stream) {
        this.stream = stream;
    }

    void write(int streamId, byte type, byte[] body) throws IOException {
        var frame = Frames.encode(streamId, type, body);
        lock.lock();
        try {
            stream.write(frame);
        } finally {
            lock.unlock();
        }
    }
}
