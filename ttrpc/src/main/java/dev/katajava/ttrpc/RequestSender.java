package dev.katajava.ttrpc;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes a client's request frames from one thread of its own. Callers only enqueue, so a caller that is
 * interrupted, or that gives up at its deadline while the peer is not reading, never touches the channel:
 * an interrupt during a channel write would close the connection every other call shares.
 */
final class RequestSender {
    private record Outgoing(int streamId, byte[] body) {
    }

    private static final Outgoing STOP = new Outgoing(0, new byte[0]);

    private final BlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    private final FrameWriter writer;
    private final Runnable onFailure;

    /** {@code onFailure} runs when a write fails, i.e. the connection is lost. */
    RequestSender(ByteStream stream, Runnable onFailure) {
        this.writer = new FrameWriter(stream);
        this.onFailure = onFailure;
    }

    void start() {
        Thread.ofVirtual().name("ttrpc-client-sender").start(this::run);
    }

    void send(int streamId, byte[] body) {
        queue.add(new Outgoing(streamId, body));
    }

    /** Lets the thread end once it has written what is already queued, or at once if the stream is closed. */
    void stop() {
        queue.add(STOP);
    }

    @SuppressWarnings("ReferenceEquality") // STOP is a sentinel: only that instance ends the loop
    private void run() {
        try {
            for (Outgoing next = queue.take(); next != STOP; next = queue.take()) {
                writer.write(next.streamId(), Frames.TYPE_REQUEST, next.body());
            }
        } catch (IOException e) {
            onFailure.run();
        } catch (InterruptedException e) {
            // Nothing else interrupts this private thread; ending is the only sensible response.
        }
    }
}
