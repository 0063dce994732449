package dev.katajava.shim.io;

import com.google.protobuf.ByteString;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A process's stdin over a direct stdio connection, opened on the first write or close; when it cannot be
 * opened, everything goes through {@code fallback} (WriteStdin/CloseStdin) instead. Close shuts our side
 * and waits for the agent's one-byte answer, which comes once the process's stdin is closed, so nothing
 * written before is lost.
 */
public final class DirectStdin implements StdinRelay.StdinTarget {
    private static final Log LOG = Log.of("io");

    private final String name;
    private final OutputRelay.StreamOpener opener;
    private final StdinRelay.StdinTarget fallback;
    private final Arena arena = Arena.ofShared();
    private MemorySegment buffer;
    private boolean tried;
    private int socket = -1;

    public DirectStdin(String name, OutputRelay.StreamOpener opener, StdinRelay.StdinTarget fallback) {
        this.name = name;
        this.opener = opener;
        this.fallback = fallback;
    }

    private boolean direct() {
        if (!tried) {
            tried = true;
            try {
                socket = opener.open();
            } catch (IOException e) {
                LOG.warn("direct stdio stream unavailable; writing through the agent API", "stream", name,
                        "error", e.getMessage());
            }
        }
        return socket >= 0;
    }

    @Override
    public int write(ByteString data) throws TtrpcException {
        if (!direct()) {
            return fallback.write(data);
        }
        int n = data.size();
        if (buffer == null || buffer.byteSize() < n) {
            buffer = arena.allocate(Math.max(n, 64 * 1024));
        }
        buffer.asSlice(0, n).asByteBuffer().put(data.asReadOnlyByteBuffer());
        try {
            Fds.writeFully(socket, buffer, n);
        } catch (ErrnoException e) {
            throw new TtrpcException(dev.katajava.ttrpc.Code.UNAVAILABLE, "write stdin: " + e.getMessage(), e);
        }
        return n;
    }

    @Override
    public void close() throws TtrpcException {
        if (!direct()) {
            fallback.close();
            return;
        }
        try {
            UnixSockets.shutdown(socket, UnixSockets.SHUT_WR);
            // One byte, or end of stream if the agent or the VM went away: either way nothing is pending.
            MemorySegment ack = arena.allocate(1);
            Fds.read(socket, ack, 1);
        } catch (ErrnoException e) {
            LOG.debug("stdin stream ended without an answer", "stream", name, "error", e.getMessage());
        } finally {
            release();
        }
    }

    @Override
    public void release() {
        if (socket >= 0) {
            try {
                Fds.close(socket);
            } catch (ErrnoException ignored) {
                // Ours alone.
            }
            socket = -1;
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
