package dev.katajava.virtcontainers.agent;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The ttrpc connection to the agent, dialled again when it drops while the VM lives (a guest that reset its
 * vsock streams, a backend that dropped one). A call made on a connection already known to be gone goes
 * out on the new one. A call that was in flight when the connection dropped is repeated only if repeating
 * it is harmless (reads, waits, health and stats); others fail, and the caller's next call works again.
 * When the VM is gone the connection is closed for good and every call fails with UNAVAILABLE.
 */
final class AgentConnection {
    private static final Log LOG = Log.of("virtcontainers");
    private static final Set<String> REPEATABLE = Set.of("Check", "ReadStdout", "ReadStderr", "StatsContainer",
            "GetOOMEvent", "WaitProcess", "GetMetrics");

    private final AgentDialer redial;
    private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();
    private volatile TtrpcClient current;
    private volatile boolean closed;

    AgentConnection(TtrpcClient first, AgentDialer redial) {
        this.current = first;
        this.redial = redial;
    }

    <R> R call(String service, String method, MessageLite request, Parser<R> parser, Duration timeout)
            throws TtrpcException {
        TtrpcClient c = current;
        if (c.isClosed()) {
            c = reconnect(c, service + "/" + method);
        }
        try {
            return c.call(service, method, request, parser, timeout);
        } catch (TtrpcException e) {
            if (e.code() != Code.UNAVAILABLE || !c.isClosed() || closed) {
                throw e;
            }
            TtrpcClient fresh = reconnect(c, service + "/" + method);
            if (!REPEATABLE.contains(method)) {
                throw e;
            }
            return fresh.call(service, method, request, parser, timeout);
        }
    }

    /** Replaces {@code dead} with a new connection (once, however many callers saw it die). */
    private synchronized TtrpcClient reconnect(TtrpcClient dead, String call) throws TtrpcException {
        if (current != dead && !current.isClosed()) {
            return current;
        }
        if (!closed && redial != null) {
            try {
                TtrpcClient fresh = redial.dial();
                if (fresh != null) {
                    current = fresh;
                    LOG.info("agent connection re-established", "call", call);
                    return fresh;
                }
            } catch (IOException e) {
                LOG.warn("cannot reconnect to the agent", "error", e.getMessage());
            }
        }
        closeForGood();
        throw new TtrpcException(Code.UNAVAILABLE, call + ": the agent connection is gone and cannot be re-established");
    }

    boolean isClosed() {
        return closed;
    }

    void onClose(Runnable listener) {
        closeListeners.add(listener);
        if (closed) {
            listener.run();
        }
    }

    synchronized void closeForGood() {
        if (closed) {
            return;
        }
        closed = true;
        current.close();
        closeListeners.forEach(Runnable::run);
    }
}
