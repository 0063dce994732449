package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer writes any frames: bad lengths, even ids, unknown types, truncated bodies, requests for unknown
 * methods, handlers that fail. The server must answer every request frame exactly once with a decodable
 * Response on its stream id, ignore everything else, and end only with a typed IOException.
 */
class ServerConnectionFuzzTest {
    private static final String SERVICE = "fuzz.Echo";
    private static final long REPLY_WAIT_NANOS = 5_000_000_000L;

    @FuzzTest(maxDuration = "10s")
    void everyRequestFrameGetsExactlyOneResponse(FuzzedDataProvider data) throws Exception {
        ServiceRegistry registry = new ServiceRegistry()
                .register(SERVICE, "Echo", (ctx, payload) -> payload)
                .register(SERVICE, "Fail", (ctx, payload) -> {
                    throw new IllegalStateException();
                })
                .register(SERVICE, "Typed", Request.parser(), (ctx, request) -> request);
        ByteBuffer input = ByteBuffer.allocate(1 << 16);
        List<Integer> requestIds = new ArrayList<>();
        while (data.remainingBytes() > 0 && input.remaining() > 4096) {
            writeFrame(data, input, requestIds);
        }
        byte[] bytes = new byte[input.position()];
        input.flip().get(bytes);
        MemoryStream stream = new MemoryStream(bytes);
        try {
            new ServerConnection(registry, stream).serve();
        } catch (IOException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        assertThat(stream.closed).isTrue();
        List<Integer> answered = awaitResponses(stream, requestIds.size());
        assertThat(answered).containsExactlyInAnyOrderElementsOf(requestIds);
    }

    /** Writes one frame; records its id if the server must answer it (a complete request frame). */
    private static void writeFrame(FuzzedDataProvider data, ByteBuffer out, List<Integer> requestIds) {
        int id = data.consumeBoolean() ? data.consumeInt(0, 64) * 2 + 1 : data.consumeInt();
        byte type = data.consumeBoolean() ? Frames.TYPE_REQUEST : data.consumeByte();
        byte[] body;
        if (data.consumeInt(0, 3) == 0) {
            body = data.consumeBytes(data.consumeInt(0, 512));
        } else {
            Request.Builder request = Request.newBuilder()
                    .setService(data.consumeBoolean() ? SERVICE : data.consumeString(20))
                    .setMethod(pickMethod(data))
                    .setPayload(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 256))))
                    .setTimeoutNano(data.consumeLong());
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                request.addMetadata(KeyValue.newBuilder().setKey(data.consumeString(8)).setValue(data.consumeString(8)));
            }
            body = request.build().toByteArray();
        }
        long length = switch (data.consumeInt(0, 7)) {
            case 0 -> Integer.toUnsignedLong(data.consumeInt());
            case 1 -> Math.max(0, body.length - data.consumeInt(0, 8));
            default -> body.length;
        };
        int written = (int) Math.min(body.length, Math.min(length, out.remaining() - Frames.HEADER_SIZE));
        out.putInt((int) length).putInt(id).put(type).put(data.consumeByte()).put(body, 0, written);
        boolean complete = length == written && length <= Frames.MAX_MESSAGE_SIZE;
        if (type == Frames.TYPE_REQUEST && length > Frames.MAX_MESSAGE_SIZE) {
            requestIds.add(id); // Answered RESOURCE_EXHAUSTED, if the stream holds the whole body.
            if (length != written) {
                requestIds.removeLast();
                stopStream(out);
            }
        } else if (type == Frames.TYPE_REQUEST && complete) {
            requestIds.add(id);
        } else if (!complete) {
            stopStream(out); // A truncated frame ends the stream: nothing after it is read.
        }
    }

    private static String pickMethod(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> "Echo";
            case 1 -> "Fail";
            case 2 -> "Typed";
            default -> data.consumeString(10);
        };
    }

    /** Fills the rest of the buffer's room so no further frame is written after a truncated one. */
    private static void stopStream(ByteBuffer out) {
        out.limit(out.position());
    }

    private static List<Integer> awaitResponses(MemoryStream stream, int expected) throws Exception {
        long deadline = System.nanoTime() + REPLY_WAIT_NANOS;
        List<Integer> ids = responses(stream.written());
        while (ids.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
            ids = responses(stream.written());
        }
        return ids;
    }

    private static List<Integer> responses(byte[] written) throws InvalidProtocolBufferException {
        ByteBuffer in = ByteBuffer.wrap(written);
        List<Integer> ids = new ArrayList<>();
        while (in.remaining() >= Frames.HEADER_SIZE) {
            int length = in.getInt();
            int id = in.getInt();
            assertThat(in.get()).isEqualTo(Frames.TYPE_RESPONSE);
            in.get();
            assertThat(length).isBetween(0, Math.min(in.remaining(), Frames.MAX_MESSAGE_SIZE));
            byte[] body = new byte[length];
            in.get(body);
            Response response = Response.parseFrom(body);
            if (response.hasStatus() && response.getStatus().getCode() != 0) {
                assertThat(response.getStatus().getMessage()).isNotBlank();
            }
            ids.add(id);
        }
        assertThat(in.remaining()).isZero();
        return ids;
    }
}
