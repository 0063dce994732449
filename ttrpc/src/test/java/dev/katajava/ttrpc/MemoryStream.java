package dev.katajava.ttrpc;

import java.nio.ByteBuffer;

/** A ByteStream that reads a fixed byte sequence, then end of stream; records the largest read request. */
final class MemoryStream implements ByteStream {
    private final ByteBuffer input;
    private final java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
    int largestRead;
    boolean closed;

    MemoryStream(byte[] input) {
        this.input = ByteBuffer.wrap(input);
    }

    @Override
    public synchronized int read(ByteBuffer dst) {
        largestRead = Math.max(largestRead, dst.remaining());
        if (!input.hasRemaining()) {
            return -1;
        }
        int n = Math.min(dst.remaining(), input.remaining());
        dst.put(input.slice(input.position(), n));
        input.position(input.position() + n);
        return n;
    }

    @Override
    public synchronized void write(ByteBuffer src) {
        byte[] b = new byte[src.remaining()];
        src.get(b);
        written.writeBytes(b);
    }

    synchronized byte[] written() {
        return written.toByteArray();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
