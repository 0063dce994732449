package dev.katajava.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The QEMU Machine Protocol over a unix socket: JSON objects, one per line. Every command carries an
 * "id" that QEMU echoes, so many callers may wait at once and replies are matched whatever order they
 * come in. Asynchronous events go to listeners, in arrival order, on a thread of their own (a listener
 * may itself execute commands).
 *
 * <p>Invariant: once the connection ends, every pending and every later command fails with a
 * {@link QmpException}.
 */
public final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY_MILLIS = 5;

    private final SocketChannel channel;
    private final Object writeLock = new Object();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final List<Consumer<JsonNode>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService eventDispatch = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("qmp-events").factory());
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason = "QMP connection closed";
    private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();

    private QmpClient(SocketChannel channel) {
        this.channel = channel;
        Thread.ofVirtual().name("qmp-reader").start(this::readLoop);
    }

    /**
     * Connects to {@code socket}, retrying while it does not exist or refuses (QEMU creates it a moment
     * after it starts), reads the greeting and negotiates capabilities, all within {@code timeout}.
     * Gives up at once when {@code peerAlive} turns false (QEMU exited) instead of waiting out the timeout.
     */
    public static QmpClient connect(Path socket, Duration timeout, BooleanSupplier peerAlive) throws QmpException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (true) {
            if (!peerAlive.getAsBoolean()) {
                throw new QmpException("QEMU exited before its QMP socket " + socket + " answered", last);
            }
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                return handshake(ch, socket, deadline);
            } catch (QmpException e) {
                throw e;
            } catch (IOException e) {
                closeQuietly(ch);
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new QmpException("cannot connect to QMP at " + socket + " within " + timeout.toMillis()
                        + " ms: " + last.getMessage(), last);
            }
            sleep(RETRY_MILLIS, socket);
        }
    }

    /** Wraps an already connected channel; the caller still has to {@link #negotiate}. */
    public static QmpClient over(SocketChannel connected) {
        return new QmpClient(connected);
    }

    private static QmpClient handshake(SocketChannel ch, Path socket, long deadline)
            throws QmpException {
        QmpClient client = new QmpClient(ch);
        try {
            client.negotiate(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            return client;
        } catch (QmpException e) {
            client.close();
            throw new QmpException("QMP handshake at " + socket + " failed: " + e.getMessage(), e);
        }
    }

    /** Waits for the greeting and leaves capabilities negotiation mode; commands work only after this. */
    public JsonNode negotiate(Duration timeout) throws QmpException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode hello = await(greeting, "greeting", timeout);
        execute("qmp_capabilities", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        return hello;
    }

    /** QEMU's greeting ({@code {"QMP": {"version": …, "capabilities": […]}}}); empty before it arrived. */
    public JsonNode greeting() {
        return greeting.getNow(JSON.createObjectNode());
    }

    /** Runs {@code command} without arguments; returns its "return" value. */
    public JsonNode execute(String command, Duration timeout) throws QmpException {
        return execute(command, (JsonNode) null, timeout);
    }

    /** Runs {@code command} with the given arguments (none when null or empty); returns its "return" value. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws QmpException {
        JsonNode args = arguments == null || arguments.isEmpty() ? null : JSON.valueToTree(arguments);
        return execute(command, args, timeout);
    }

    /** Runs {@code command} with an arguments object (none when null); returns its "return" value. */
    public JsonNode execute(String command, JsonNode arguments, Duration timeout) throws QmpException {
        String id = Long.toString(nextId.getAndIncrement());
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        request.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        // Registered before the check: close() either sees this call or this call sees closed.
        if (closed.get()) {
            pending.remove(id);
            throw new QmpException(command + ": " + closeReason);
        }
        try {
            send(request);
            JsonNode response = await(reply, command, timeout);
            JsonNode error = response.get("error");
            if (error != null) {
                throw QmpException.refused(command, error.path("class").asText(), error.path("desc").asText());
            }
            JsonNode ret = response.get("return");
            return ret == null ? JSON.createObjectNode() : ret;
        } finally {
            pending.remove(id);
        }
    }

    /** Receives every asynchronous event ({@code {"event": NAME, "data": …, "timestamp": …}}), in order. */
    public void onEvent(Consumer<JsonNode> listener) {
        listeners.add(listener);
    }

    /** Runs once when the connection ends, whichever side ended it (at once if it already has). */
    public void onClose(Runnable listener) {
        closeListeners.add(listener);
        // Whoever removes the listener runs it: exactly once, whether close() raced with this or not.
        if (closed.get() && closeListeners.remove(listener)) {
            listener.run();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    private void send(JsonNode message) throws QmpException {
        String command = message.path("execute").asText();
        try {
            ByteBuffer buf = ByteBuffer.wrap((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
            synchronized (writeLock) {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        } catch (IOException e) {
            close("QMP connection failed while sending " + command + ": " + e.getMessage());
            throw new QmpException(command + ": " + closeReason, e);
        }
    }

    private JsonNode await(CompletableFuture<JsonNode> reply, String what, Duration timeout) throws QmpException {
        try {
            return reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpException(what + ": no answer from QEMU within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new QmpException(what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void readLoop() {
        String reason = "QEMU closed the QMP connection";
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                dispatch(line);
            }
        } catch (IOException e) {
            reason = "QMP connection failed: " + e.getMessage();
        }
        close(reason);
    }

    private void dispatch(String line) {
        if (line.isBlank()) {
            return;
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(line);
        } catch (IOException malformed) {
            return; // Not JSON: nothing can be matched to it.
        }
        if (!greeting.isDone()) {
            if (msg.has("QMP")) {
                greeting.complete(msg);
            } else {
                greeting.completeExceptionally(new QmpException("not a QMP greeting: " + line));
            }
        } else if (msg.has("event")) {
            try {
                eventDispatch.execute(() -> listeners.forEach(l -> l.accept(msg)));
            } catch (RejectedExecutionException lateEvent) {
                // Closed meanwhile: events after close are not delivered.
            }
        } else if (msg.has("id")) {
            CompletableFuture<JsonNode> reply = pending.get(msg.get("id").asText());
            if (reply != null) {
                reply.complete(msg);
            }
        }
    }

    @Override
    public void close() {
        close("QMP connection closed");
    }

    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // concurrent collection; remove() decides who runs it
    private void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        closeQuietly(channel);
        QmpException gone = new QmpException(reason);
        greeting.completeExceptionally(gone);
        pending.values().forEach(f -> f.completeExceptionally(gone));
        eventDispatch.shutdown();
        for (Runnable listener : closeListeners) {
            if (closeListeners.remove(listener)) {
                listener.run();
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing more to release.
            }
        }
    }

    private static void sleep(long millis, Path socket) throws QmpException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException("interrupted while connecting to " + socket, e);
        }
    }
}
