package dev.katajava.shim.io;

import com.google.protobuf.ByteString;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * Copies the client's stdin FIFO into the guest process, then closes the process's stdin.
 *
 * <p>The FIFO is opened for reading on the relay's own thread because that open blocks until the client's
 * writer exists. {@link #done} completes only after every byte read was accepted by the agent and stdin
 * was closed, so CloseIO can wait for it and lose nothing.
 */
public final class StdinRelay {
    private static final Log LOG = Log.of("io");
    private static final int CHUNK = 32 * 1024;

    /** The agent side of one process's stdin. */
    public interface StdinTarget {
        int write(ByteString data) throws TtrpcException;

        void close() throws TtrpcException;

        /** Frees what the target holds, whether or not the copy got as far as {@link #close}. */
        default void release() {
        }
    }

    private final Path fifo;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean abandoned;

    private StdinRelay(Path fifo) {
        this.fifo = fifo;
    }

    /** Starts relaying from {@code path}; returns null when stdin is not wanted. */
    public static StdinRelay start(String name, String path, StdinTarget target) {
        if (path.isEmpty()) {
            return null;
        }
        StdinRelay relay = new StdinRelay(Path.of(path.startsWith("fifo://") ? path.substring(7) : path));
        Thread.ofPlatform().daemon().name("stdin-" + name).start(() -> relay.copy(name, target));
        return relay;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    /**
     * Gives up on a relay whose process has exited: if the open is still blocked waiting for a writer,
     * a short-lived writer of our own unblocks it and the relay sees end of stream.
     */
    public void abandon() {
        abandoned = true;
        if (!done.isDone()) {
            try {
                // Opening and closing a writer is all it takes to end the reader's blocked open.
                FileChannel.open(fifo, StandardOpenOption.WRITE).close();
                LOG.debug("unblocked stdin open", "fifo", fifo);
            } catch (IOException ignored) {
                // The FIFO is gone; the relay's open will fail on its own.
            }
        }
    }

    private void copy(String name, StdinTarget target) {
        try (FileChannel in = FileChannel.open(fifo, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (!abandoned && in.read(buf) >= 0) {
                buf.flip();
                ByteString data = ByteString.copyFrom(buf);
                buf.clear();
                int off = 0;
                while (off < data.size()) {
                    off += target.write(data.substring(off));
                }
            }
            // An abandoned relay's process is gone: there is no stdin left to close, and asking would fail.
            if (!abandoned) {
                target.close();
            }
        } catch (IOException | TtrpcException e) {
            LOG.debug("stdin relay ended", "stream", name, "error", e.getMessage());
        } finally {
            target.release();
            done.complete(null);
        }
    }
}
