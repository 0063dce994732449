package dev.katajava.ttrpc;

import static dev.katajava.ttrpc.RawFrames.bytes;
import static dev.katajava.ttrpc.RawFrames.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import dev.katajava.protocols.ttrpc.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked examples of containerd's ttrpc framing, byte for byte, through the real client and server. */
class WireBytesTest {
    private static final String TASK = "containerd.task.v2.Task";
    private static final String NS_KEY = "containerd-namespace-ttrpc";
    private static final String NOT_FOUND = "container does not exist test: not found";

    /** Connect{id:"test"} on stream 1, 2 s deadline, namespace "default". */
    private static final byte[] CONNECT_REQUEST_FRAME = bytes("00 00 00 57 00 00 00 01 01 00",
            "0a 17", "\"containerd.task.v2.Task\"", "12 07", "\"Connect\"", "1a 06 0a 04", "\"test\"",
            "20 80 a8 d6 b9 07", "2a 25 0a 1a", "\"containerd-namespace-ttrpc\"", "12 07", "\"default\"");
    /** ConnectResponse{shim_pid:1234, task_pid:5678} on stream 1. */
    private static final byte[] CONNECT_REPLY_FRAME = bytes("00 00 00 08 00 00 00 01 02 00", "12 06 08 d2 09 10 ae 2c");
    private static final byte[] NOT_FOUND_BODY = bytes("0a 2c 08 05 12 28", "\"" + NOT_FOUND + "\"");

    @TempDir
    Path dir;

    @Test
    void connectRequestEnvelopeEncodesToTheWorkedBytes() {
        Request request = Request.newBuilder()
                .setService(TASK)
                .setMethod("Connect")
                .setPayload(ConnectRequest.newBuilder().setId("test").build().toByteString())
                .setTimeoutNano(Duration.ofSeconds(2).toNanos())
                .addMetadata(KeyValue.newBuilder().setKey(NS_KEY).setValue("default"))
                .build();
        assertThat(hex(array(Frames.encode(1, Frames.TYPE_REQUEST, request.toByteArray()))))
                .isEqualTo(hex(CONNECT_REQUEST_FRAME));
    }

    @Test
    void clientSendsConnectWithDeadlineAndNamespaceAsTheWorkedBytesAndDecodesTheWorkedReply() throws Exception {
        try (var peer = new FakePeer(dir)) {
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return peer.client.call(TASK, "Connect", ConnectRequest.newBuilder().setId("test").build()
                            .toByteArray(), Duration.ofSeconds(2), Map.of(NS_KEY, "default"));
                } catch (TtrpcException e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] sent = array(RawFrames.readExactly(peer.raw, CONNECT_REQUEST_FRAME.length));
            assertThat(hex(sent)).isEqualTo(hex(CONNECT_REQUEST_FRAME));

            RawFrames.writeAll(peer.raw, ByteBuffer.wrap(CONNECT_REPLY_FRAME));
            ConnectResponse reply = ConnectResponse.parseFrom(answer.get(5, TimeUnit.SECONDS));
            assertThat(reply.getShimPid()).isEqualTo(1234);
            assertThat(reply.getTaskPid()).isEqualTo(5678);
        }
    }

    @Test
    void serverAnswersTheWorkedConnectRequestWithTheWorkedReplyBytes() throws Exception {
        var seen = new CompletableFuture<CallContext>();
        ServiceRegistry registry = new ServiceRegistry().register(TASK, "Connect", ConnectRequest.parser(),
                (ctx, req) -> {
                    seen.complete(ctx);
                    return ConnectResponse.newBuilder().setShimPid(1234).setTaskPid(5678).build();
                });
        try (var s = new ListeningServer(registry, dir); var ch = s.raw()) {
            RawFrames.writeAll(ch, ByteBuffer.wrap(CONNECT_REQUEST_FRAME));
            byte[] reply = array(RawFrames.readExactly(ch, CONNECT_REPLY_FRAME.length));
            assertThat(hex(reply)).isEqualTo(hex(CONNECT_REPLY_FRAME));
            assertThat(seen.get(5, TimeUnit.SECONDS))
                    .isEqualTo(new CallContext(TASK, "Connect", Map.of(NS_KEY, "default"), 2_000_000_000L));
        }
    }

    @Test
    void notFoundStatusEncodesToTheWorkedErrorBody() {
        Response response = Response.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.NOT_FOUND.value()).setMessage(NOT_FOUND))
                .build();
        assertThat(hex(response.toByteArray())).isEqualTo(hex(NOT_FOUND_BODY));
    }

    @Test
    void handlerNotFoundIsSentAsTheWorkedErrorBody() throws Exception {
        ServiceRegistry registry = new ServiceRegistry().register(TASK, "Connect", ConnectRequest.parser(),
                (ctx, req) -> {
                    throw new TtrpcException(Code.NOT_FOUND, "container does not exist " + req.getId() + ": not found");
                });
        try (var s = new ListeningServer(registry, dir); var ch = s.raw()) {
            RawFrames.writeAll(ch, ByteBuffer.wrap(CONNECT_REQUEST_FRAME));
            RawFrames.Frame reply = RawFrames.read(ch);
            assertThat(reply.length()).isEqualTo(NOT_FOUND_BODY.length);
            assertThat(reply.streamId()).isEqualTo(1);
            assertThat(reply.type()).isEqualTo(Frames.TYPE_RESPONSE);
            assertThat(reply.flags()).isZero();
            assertThat(hex(reply.body())).isEqualTo(hex(NOT_FOUND_BODY));
        }
    }

    @Test
    void clientTurnsTheWorkedErrorBodyIntoNotFound() throws Exception {
        try (var peer = new FakePeer(dir)) {
            CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
                try {
                    peer.client.call(TASK, "Connect", ConnectRequest.newBuilder().setId("test").build(),
                            ConnectResponse.parser(), Duration.ofSeconds(2));
                    return null;
                } catch (TtrpcException e) {
                    return e;
                }
            });
            RawFrames.Frame request = RawFrames.read(peer.raw);
            RawFrames.write(peer.raw, request.streamId(), Frames.TYPE_RESPONSE, NOT_FOUND_BODY);
            assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(TtrpcException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                assertThat(e.getMessage()).isEqualTo(NOT_FOUND);
            });
        }
    }

    @Test
    void codesRoundTripByValueAndUnknownValuesReadAsUnknown() {
        for (Code c : Code.values()) {
            assertThat(Code.of(c.value())).isEqualTo(c);
        }
        assertThat(Code.UNAUTHENTICATED.value()).isEqualTo(16);
        assertThat(Code.of(99)).isEqualTo(Code.UNKNOWN);
        assertThat(Code.of(-1)).isEqualTo(Code.UNKNOWN);
    }

    @Test
    void frameHeaderConstantsMatchTheProtocol() {
        assertThat(Frames.HEADER_SIZE).isEqualTo(10);
        assertThat(Frames.MAX_MESSAGE_SIZE).isEqualTo(4_194_304);
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
