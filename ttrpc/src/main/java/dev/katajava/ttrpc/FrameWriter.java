package dev.katajava.ttrpc;

import java.io.IOException;
import java.nio.ByteBuffer;
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
        if (body.length > Frames.MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("frame body of " + body.length + " bytes exceeds maximum message size "
                    + Frames.MAX_MESSAGE_SIZE);
        }
        if (stream instanceof ChannelByteStream channels) {
            ByteBuffer header = Frames.header(body.length, streamId, type);
            ByteBuffer payload = ByteBuffer.wrap(body);
            lock.lock();
            try {
                channels.write(header, payload);
            } finally {
                lock.unlock();
            }
            return;
        }
        ByteBuffer frame = Frames.encode(streamId, type, body);
        lock.lock();
        try {
            stream.write(frame);
        } finally {
            lock.unlock();
        }
    }
}
