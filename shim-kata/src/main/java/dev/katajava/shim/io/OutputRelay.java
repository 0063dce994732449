package dev.katajava.shim.io;

import com.google.protobuf.ByteString;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Copies one output stream of a guest process to its sink: repeated blocking reads from the agent until
 * the agent reports end of stream. Completes {@link #done} when the stream ended and the sink was drained
 * and closed, which is what the exit path waits for before it may reap the process.
 */
public final class OutputRelay {
    private static final Log LOG = Log.of("io");

    /** One blocking read from the agent; fails at end of stream. */
    @FunctionalInterface
    public interface ChunkReader {
        ByteString read() throws TtrpcException;
    }

    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private OutputRelay() {
    }

    public static OutputRelay start(String name, ChunkReader reader, OutputSink sink) {
        OutputRelay relay = new OutputRelay();
        Thread.ofVirtual().name("relay-" + name).start(() -> relay.copy(name, reader, sink));
        return relay;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    private void copy(String name, ChunkReader reader, OutputSink sink) {
        long total = 0;
        boolean sinkBroken = false;
        try {
            while (true) {
                ByteString chunk;
                try {
                    chunk = reader.read();
                } catch (TtrpcException endOfStream) {
                    break;
                }
                total += chunk.size();
                if (sink != null && !sinkBroken) {
                    try {
                        sink.write(chunk.asReadOnlyByteBuffer());
                    } catch (IOException e) {
                        // Keep draining the guest so the process is never blocked on a full pipe.
                        sinkBroken = true;
                        LOG.warn("output sink failed; discarding the rest", "stream", name, "error", e.getMessage());
                    }
                }
            }
        } finally {
            if (sink != null) {
                try {
                    sink.close();
                } catch (IOException e) {
                    LOG.warn("closing output sink failed", "stream", name, "error", e.getMessage());
                }
            }
            LOG.debug("output stream ended", "stream", name, "bytes", total);
            done.complete(null);
        }
    }
}
