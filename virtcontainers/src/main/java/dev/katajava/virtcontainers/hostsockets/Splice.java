package dev.katajava.virtcontainers.hostsockets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Copies two connected sockets into each other, a thread per direction with one fixed buffer each: a side
 * that stops reading stops the other's writer, so nothing is buffered beyond the sockets themselves. End of
 * stream on one side half-closes the other; an error on either closes both.
 */
final class Splice {
    static final int CHUNK = 64 * 1024;

    private final Duplex a;
    private final Duplex b;
    private final Consumer<Splice> onClosed;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();

    Splice(Duplex a, Duplex b, Consumer<Splice> onClosed) {
        this.a = a;
        this.b = b;
        this.onClosed = onClosed;
    }

    void start(ThreadFactory threads) {
        threads.newThread(() -> copy(a, b)).start();
        threads.newThread(() -> copy(b, a)).start();
    }

    /** Closes both sides now; the copying threads end. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            a.close();
            b.close();
        }
    }

    private void copy(Duplex from, Duplex to) {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        try {
            while (true) {
                buffer.clear();
                if (from.read(buffer) < 0) {
                    to.shutdownOutput();
                    return;
                }
                buffer.flip();
                to.write(buffer);
            }
        } catch (IOException e) {
            close();
        } finally {
            if (running.decrementAndGet() == 0) {
                close();
                onClosed.accept(this);
            }
        }
    }
}
