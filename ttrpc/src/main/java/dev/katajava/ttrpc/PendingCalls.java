package dev.katajava.ttrpc;

import dev.katajava.protocols.ttrpc.Response;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's outstanding calls by stream id. Ids are odd, starting at 1 and stepping by 2 as Go ttrpc
 * does; they wrap like Go's uint32.
 *
 * <p>Invariant: once {@link #failAll} has run, no call stays registered: every pending one has failed and
 * {@link #open} refuses new ones.
 */
final class PendingCalls {
    record Call(int streamId, CompletableFuture<Response> reply) {
    }

    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<Response>> calls = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Registers a call under the next stream id; null once the connection is closed. */
    Call open() {
        int id = nextStreamId.getAndAdd(2);
        CompletableFuture<Response> reply = new CompletableFuture<>();
        calls.put(id, reply);
        // Checked after registering: a concurrent failAll() either sees this call or is seen here.
        if (closed) {
            calls.remove(id);
            return null;
        }
        return new Call(id, reply);
    }

    /** Completes the call waiting on {@code streamId}; false when none is (timed out, or not ours). */
    boolean complete(int streamId, Response response) {
        CompletableFuture<Response> reply = calls.remove(streamId);
        return reply != null && reply.complete(response);
    }

    /** Forgets a call whose caller stopped waiting; a late response for it is then dropped. */
    void abandon(int streamId) {
        calls.remove(streamId);
    }

    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // concurrent map; remove() decides who completes a call
    void failAll(IOException cause) {
        closed = true;
        for (Integer id : calls.keySet()) {
            CompletableFuture<Response> reply = calls.remove(id);
            if (reply != null) {
                reply.completeExceptionally(cause);
            }
        }
    }

    int size() {
        return calls.size();
    }
}
