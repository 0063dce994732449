package dev.katajava.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A ttrpc client on one connection. Any number of calls may be outstanding at once: each gets the next
 * odd stream id, a sender thread writes the requests, a reader thread completes the calls as responses
 * arrive, in any order.
 *
 * <p>Invariant: once the connection ends, every pending and future call fails with UNAVAILABLE
 * "ttrpc: closed", and the close listeners have run exactly once.
 */
public final class TtrpcClient implements Closeable {
    static final String CLOSED = "ttrpc: closed";

    private final ByteStream stream;
    private final PendingCalls pending = new PendingCalls();
    private final RequestSender sender;
    private final CloseListeners closeListeners = new CloseListeners();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Starts the reader and sender (virtual) threads. */
    public TtrpcClient(ByteStream stream) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.sender = new RequestSender(stream, this::close);
        sender.start();
        Thread.ofVirtual().name("ttrpc-client-reader").start(new ResponseReader(stream, pending, this::close));
    }

    public static TtrpcClient connect(Path unixSocket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(unixSocket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to ttrpc socket " + unixSocket + ": " + e.getMessage(), e);
        }
        return new TtrpcClient(ByteStream.of(ch));
    }

    /**
     * Calls {@code service/method} with an encoded request and returns the encoded response. A null
     * {@code timeout} waits forever (sent as timeout_nano 0); {@code metadata} may be null.
     */
    public byte[] call(String service, String method, byte[] payload, Duration timeout, Map<String, String> metadata)
            throws TtrpcException {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
        if (timeout != null && !timeout.isPositive()) {
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, service + "/" + method + ": deadline " + timeout
                    + " has already passed");
        }
        byte[] body = encode(service, method, payload, timeout, metadata);
        if (body.length > Frames.MAX_MESSAGE_SIZE) {
            throw new TtrpcException(Code.RESOURCE_EXHAUSTED, service + "/" + method + ": request of " + body.length
                    + " bytes exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE);
        }
        PendingCalls.Call call = pending.open();
        if (call == null) {
            throw new TtrpcException(Code.UNAVAILABLE, CLOSED);
        }
        sender.send(call.streamId(), body);
        Response response = await(call, timeout, service, method);
        if (response.hasStatus() && response.getStatus().getCode() != Code.OK.value()) {
            throw new TtrpcException(Code.of(response.getStatus().getCode()), response.getStatus().getMessage());
        }
        return response.getPayload().toByteArray();
    }

    /** Calls with a message and decodes the response with {@code responseParser}; no metadata is sent. */
    public <R> R call(String service, String method, MessageLite request, Parser<R> responseParser, Duration timeout)
            throws TtrpcException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(responseParser, "responseParser");
        byte[] bytes = call(service, method, request.toByteArray(), timeout, Map.of());
        try {
            return responseParser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new TtrpcException(Code.INTERNAL, "cannot decode " + service + "/" + method + " response: "
                    + e.getMessage());
        }
    }

    private static byte[] encode(String service, String method, byte[] payload, Duration timeout,
                                 Map<String, String> metadata) {
        Request.Builder request = Request.newBuilder()
                .setService(service)
                .setMethod(method)
                .setPayload(ByteString.copyFrom(payload))
                .setTimeoutNano(timeout == null ? 0 : saturatedNanos(timeout));
        if (metadata != null) {
            metadata.forEach((k, v) -> request.addMetadata(KeyValue.newBuilder().setKey(k).setValue(v)));
        }
        return request.build().toByteArray();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private Response await(PendingCalls.Call call, Duration timeout, String service, String method)
            throws TtrpcException {
        try {
            return timeout == null ? call.reply().get()
                    : call.reply().get(saturatedNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.abandon(call.streamId());
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, service + "/" + method + ": no answer within "
                    + timeout);
        } catch (InterruptedException e) {
            pending.abandon(call.streamId());
            Thread.currentThread().interrupt();
            throw new TtrpcException(Code.CANCELLED, service + "/" + method + ": interrupted while waiting");
        } catch (ExecutionException e) {
            throw new TtrpcException(Code.UNAVAILABLE, CLOSED, e.getCause());
        }
    }

    /** Runs {@code listener} once when the connection ends, from either side; at once if it already has. */
    public void onClose(Runnable listener) {
        closeListeners.add(listener);
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the connection; pending calls fail with UNAVAILABLE "ttrpc: closed". */
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
        sender.stop();
        pending.failAll(new IOException(CLOSED));
        closeListeners.fire();
    }

    /** Calls still waiting for a response, for tests. */
    int pendingCount() {
        return pending.size();
    }
}
