package dev.katajava.shim.io;

import com.google.protobuf.ByteString;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * Copies one output stream of a guest process to its sink until the stream ends: over a direct stdio
 * connection of its own when the agent offers one, otherwise by repeated blocking reads from the agent
 * (ReadStdout/ReadStderr). Completes {@link #done} when the stream ended and the sink was drained and closed,
 * which is what the exit path waits for before it may reap the process.
 */
public final class OutputRelay {
    private static final Log LOG = Log.of("io");
    private static final int DISCARD_CHUNK = 64 * 1024;

    /** One blocking read from the agent; fails at end of stream. */
    @FunctionalInterface
    public interface ChunkReader {
        ByteString read() throws TtrpcException;
    }

    /** Opens the direct connection for this stream; fails when the agent cannot give one. */
    @FunctionalInterface
    public interface StreamOpener {
        int open() throws IOException;
    }

    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private OutputRelay() {
    }

    /** Relays through the RPC path alone. */
    public static OutputRelay start(String name, ChunkReader reader, OutputSink sink) {
        return start(name, null, reader, sink);
    }

    /**
     * Relays over the connection {@code opener} opens, or through {@code reader} when that fails before
     * anything was carried (an agent that refused, or a port nobody answers).
     */
    public static OutputRelay start(String name, StreamOpener opener, ChunkReader reader, OutputSink sink) {
        OutputRelay relay = new OutputRelay();
        // A platform thread: the direct copy blocks in native calls, which would pin a virtual thread's carrier.
        Thread.ofPlatform().daemon().name("relay-" + name).start(() -> relay.run(name, opener, reader, sink));
        return relay;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    private void run(String name, StreamOpener opener, ChunkReader reader, OutputSink sink) {
        long total = 0;
        try {
            int socket = -1;
            if (opener != null) {
                try {
                    socket = opener.open();
                } catch (IOException e) {
                    LOG.warn("direct stdio stream unavailable; reading through the agent API", "stream", name,
                            "error", e.getMessage());
                }
            }
            total = socket >= 0 ? copyDirect(name, socket, sink) : copyRpc(name, reader, sink);
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

    /** Moves the connection's bytes into the sink until the agent ends the stream, then closes it. */
    private static long copyDirect(String name, int socket, OutputSink sink) {
        long total = 0;
        try {
            if (sink != null) {
                total = sink.transferFrom(socket);
            }
        } catch (ErrnoException e) {
            // Keep draining the guest so the process is never blocked on a full pipe.
            LOG.warn("output sink failed; discarding the rest", "stream", name, "error", e.getMessage());
        }
        total += discard(socket);
        try {
            Fds.close(socket);
        } catch (ErrnoException ignored) {
            // Ours alone; nothing left to undo.
        }
        return total;
    }

    /** Reads {@code socket} to its end, keeping nothing; stops quietly at an error (the VM went away). */
    private static long discard(int socket) {
        long total = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DISCARD_CHUNK);
            int n;
            while ((n = Fds.read(socket, buf, DISCARD_CHUNK)) > 0) {
                total += n;
            }
        } catch (ErrnoException e) {
            // The connection is gone: there is nothing more to drain.
        }
        return total;
    }

    private static long copyRpc(String name, ChunkReader reader, OutputSink sink) {
        long total = 0;
        boolean sinkBroken = false;
        while (true) {
            ByteString chunk;
            try {
                chunk = reader.read();
            } catch (TtrpcException endOfStream) {
                return total;
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
    }
}
