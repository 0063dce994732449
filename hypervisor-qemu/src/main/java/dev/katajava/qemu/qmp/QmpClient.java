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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The QEMU Machine Protocol over a unix socket: JSON objects, one per line. Commands carry an "id" so
 * several callers can wait at once and replies are matched whatever order they arrive in; asynchronous
 * events go to listeners.
 *
 * <p>Invariant: after the connection ends, every pending and later command fails with a QmpException.
 */
public final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<JsonNode>> eventListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final JsonNode greeting;

    private QmpClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null) {
            throw new QmpException("", "QMP connection closed before the greeting");
        }
        greeting = JSON.readTree(line);
        if (!greeting.has("QMP")) {
            throw new QmpException("", "not a QMP greeting: " + line);
        }
        Thread.ofPlatform().daemon().name("qmp-reader").start(this::readLoop);
    }

    /**
     * Connects, retrying until the socket accepts or {@code timeout} passes, and negotiates capabilities.
     * Gives up at once when {@code peerAlive} turns false (QEMU exited), instead of waiting out the timeout.
     */
    public static QmpClient connect(Path socket, Duration timeout, BooleanSupplier peerAlive) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() - deadline < 0) {
            if (!peerAlive.getAsBoolean()) {
                throw new QmpException("", "QEMU exited before its QMP socket " + socket + " answered");
            }
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                QmpClient client = new QmpClient(ch);
                client.execute("qmp_capabilities", null, timeout);
                return client;
            } catch (IOException e) {
                ch.close();
                last = e;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QmpException("interrupted while connecting to " + socket, e);
            }
        }
        throw new QmpException("cannot connect to QMP at " + socket + " within " + timeout
                + (last == null ? "" : ": " + last.getMessage()), last);
    }

    public JsonNode greeting() {
        return greeting;
    }

    /** Runs {@code command} with optional {@code arguments}; returns its "return" value. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws QmpException {
        String id = Long.toString(nextId.getAndIncrement());
        ObjectNode request = JSON.createObjectNode().put("execute", command).put("id", id);
        if (arguments != null && !arguments.isEmpty()) {
            request.set("arguments", JSON.valueToTree(arguments));
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        if (closed) {
            pending.remove(id);
            throw new QmpException("", "QMP connection is closed");
        }
        try {
            byte[] line = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
            writeLock.lock();
            try {
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } finally {
                writeLock.unlock();
            }
            JsonNode response = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (response.has("error")) {
                JsonNode error = response.get("error");
                throw new QmpException(error.path("class").asText(), command + ": " + error.path("desc").asText());
            }
            return response.get("return");
        } catch (IOException e) {
            pending.remove(id);
            throw e instanceof QmpException q ? q : new QmpException(command + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            pending.remove(id);
            throw new QmpException("", command + ": no answer within " + timeout);
        } catch (InterruptedException e) {
            pending.remove(id);
            Thread.currentThread().interrupt();
            throw new QmpException(command + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new QmpException(command + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Receives every asynchronous event ({@code {"event": NAME, "data": …, "timestamp": …}}). */
    public void onEvent(Consumer<JsonNode> listener) {
        eventListeners.add(listener);
    }

    public boolean isClosed() {
        return closed;
    }

    private void readLoop() {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode msg;
                try {
                    msg = JSON.readTree(line);
                } catch (IOException malformed) {
                    continue;
                }
                if (msg.has("event")) {
                    for (Consumer<JsonNode> l : eventListeners) {
                        l.accept(msg);
                    }
                } else if (msg.has("id")) {
                    CompletableFuture<JsonNode> reply = pending.remove(msg.get("id").asText());
                    if (reply != null) {
                        reply.complete(msg);
                    }
                }
            }
        } catch (IOException e) {
            // Connection gone: fail what is pending below.
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        QmpException gone = new QmpException("", "QMP connection closed");
        pending.values().forEach(f -> f.completeExceptionally(gone));
        pending.clear();
    }
}
