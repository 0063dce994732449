package dev.katajava.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ttrpc client on one connection. Any number of calls may be outstanding at once: each gets the next
 * odd stream id, a reader thread completes them as responses arrive, in any order.
 *
 * <p>Invariant: once the connection ends, every pending and future call fails with UNAVAILABLE
 * "ttrpc: closed", and the close listeners have run exactly once.
 */
public final class TtrpcClient implements java.io.Closeable {
    private static final String CLOSED = "ttrpc: closed";

    private final ByteStream stream;
    private final FrameWriter writer;
    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    public TtrpcClient(ByteStream stream) {
        this.stream = stream;
        this.writer = new FrameWriter(stream);
        Thread.ofPlatform().daemon().name("ttrpc-client-reader").start(this::readLoop);
    }

    public static TtrpcClient connect(Path unixSocket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(unixSocket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to " + unixSocket + ": " + e.getMessage(), e);
        }
        return new TtrpcClient(ByteStream.of(ch));
    }

    /** Calls {@code service/method} with an encoded request and returns the encoded response. */
    public byte[] call(String service, String method, byte[] payload, Duration timeout, Map<String, String> metadata)
            throws TtrpcException {
        Request.Builder request = Request.newBuilder()
                .setService(service)
                .setMethod(method)
                .setPayload(ByteString.copyFrom(payload))
                .setTimeoutNano(timeout == null ? 0 : timeout.toNanos());
        metadata.forEach((k, v) -> request.addMetadata(KeyValue.newBuilder().setKey(k).setValue(v)));
        byte[] body = request.build().toByteArray();
        if (body.length > Frames.MAX_MESSAGE_SIZE) {
            throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "request of " + body.length
                    + " bytes exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE);
        }
        int id = nextStreamId.getAndAdd(2);
        CompletableFuture<Response> reply = new CompletableFuture<>();
        pending.put(id, reply);
        if (closed.get()) {
            pending.remove(id);
            throw new TtrpcException(Code.UNAVAILABLE, CLOSED);
        }
        try {
            writer.write(id, Frames.TYPE_REQUEST, body);
        } catch (IOException e) {
            pending.remove(id);
            close();
            throw new TtrpcException(Code.UNAVAILABLE, CLOSED, e);
        }
        Response response = await(id, reply, timeout, service, method);
        if (response.hasStatus() && response.getStatus().getCode() != 0) {
            throw new TtrpcException(Code.of(response.getStatus().getCode()), response.getStatus().getMessage());
        }
        return response.getPayload().toByteArray();
    }

    /** Calls with a message and decodes the response with {@code responseParser}. */
    public <R> R call(String service, String method, MessageLite request, Parser<R> responseParser, Duration timeout)
            throws TtrpcException {
        byte[] bytes = call(service, method, request.toByteArray(), timeout, Map.of());
        try {
            return responseParser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new TtrpcException(Code.INTERNAL, "cannot decode " + service + "/" + method + " response: "
                    + e.getMessage());
        }
    }

    private Response await(int id, CompletableFuture<Response> reply, Duration timeout, String service, String method)
            throws TtrpcException {
        try {
            return timeout == null ? reply.get() : reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.remove(id);
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, service + "/" + method + ": no answer within " + timeout);
        } catch (InterruptedException e) {
            pending.remove(id);
            Thread.currentThread().interrupt();
            throw new TtrpcException(Code.CANCELLED, service + "/" + method + ": interrupted");
        } catch (ExecutionException e) {
            throw new TtrpcException(Code.UNAVAILABLE, CLOSED, e.getCause());
        }
    }

    private void readLoop() {
        FrameReader reader = new FrameReader(stream);
        try {
            FrameReader.Frame frame;
            while ((frame = reader.next()) != null) {
                if (frame.header().type() != Frames.TYPE_RESPONSE) {
                    continue;
                }
                CompletableFuture<Response> reply = pending.remove(frame.header().streamId());
                if (reply == null) {
                    continue; // The caller gave up (timeout) or the id is not ours.
                }
                if (frame.body() == null) {
                    reply.complete(Response.newBuilder().setStatus(dev.katajava.protocols.ttrpc.Status.newBuilder()
                            .setCode(Code.RESOURCE_EXHAUSTED.value())
                            .setMessage("response exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE)).build());
                    continue;
                }
                try {
                    reply.complete(Response.parseFrom(frame.body()));
                } catch (InvalidProtocolBufferException e) {
                    reply.complete(Response.newBuilder().setStatus(dev.katajava.protocols.ttrpc.Status.newBuilder()
                            .setCode(Code.INTERNAL.value()).setMessage("cannot decode response: " + e.getMessage()))
                            .build());
                }
            }
        } catch (IOException e) {
            // Ends the connection below.
        } finally {
            close();
        }
    }

    /** Runs {@code listener} once when the connection ends; at once if it already has. */
    public void onClose(Runnable listener) {
        closeListeners.add(listener);
        if (closed.get() && closeListeners.remove(listener)) {
            listener.run();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            stream.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        IOException gone = new IOException(CLOSED);
        for (Integer id : pending.keySet()) {
            CompletableFuture<Response> reply = pending.remove(id);
            if (reply != null) {
                reply.completeExceptionally(gone);
            }
        }
        for (Runnable listener : closeListeners) {
            if (closeListeners.remove(listener)) {
                listener.run();
            }
        }
    }
}
