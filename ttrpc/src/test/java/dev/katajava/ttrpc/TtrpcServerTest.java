package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtrpcServerTest {
    private static final String SVC = "test.Echo";

    @TempDir
    Path dir;

    private static ServiceRegistry echo(CountDownLatch releaseSlow) {
        return new ServiceRegistry()
                .register(SVC, "Echo", StringValue.parser(), (ctx, req) -> req)
                .register(SVC, "Slow", StringValue.parser(), (ctx, req) -> {
                    releaseSlow.await();
                    return req;
                })
                .register(SVC, "Fail", StringValue.parser(), (ctx, req) -> {
                    throw new TtrpcException(Code.NOT_FOUND, "no " + req.getValue());
                })
                .register(SVC, "Crash", StringValue.parser(), (ctx, req) -> {
                    throw new IllegalStateException("boom");
                });
    }

    private static StringValue str(String s) {
        return StringValue.of(s);
    }

    @Test
    void answersOutOfOrderWhenAnEarlierCallBlocks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var s = new TtrpcTestSupport(echo(release), dir); var client = TtrpcClient.connect(s.socket)) {
            CompletableFuture<StringValue> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.call(SVC, "Slow", str("first"), StringValue.parser(), Duration.ofSeconds(10));
                } catch (TtrpcException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(50);
            assertThat(client.call(SVC, "Echo", str("second"), StringValue.parser(), Duration.ofSeconds(5)).getValue())
                    .isEqualTo("second");
            assertThat(slow).isNotDone();
            release.countDown();
            assertThat(slow.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("first");
        }
    }

    @Test
    void manyConcurrentCallersOnOneConnectionEachGetTheirOwnAnswer() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); var client = TtrpcClient.connect(s.socket)) {
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String v = "v" + i;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.call(SVC, "Echo", str(v), StringValue.parser(), Duration.ofSeconds(20)).getValue();
                    } catch (TtrpcException e) {
                        throw new RuntimeException(e);
                    }
                }, Thread::startVirtualThread));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(calls.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("v" + i);
            }
        }
    }

    @Test
    void statusErrorsCarryTheirCodeAndOtherFailuresBecomeUnknown() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); var client = TtrpcClient.connect(s.socket)) {
            assertThatThrownBy(() -> client.call(SVC, "Fail", str("x"), StringValue.parser(), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                        assertThat(e.getMessage()).isEqualTo("no x");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Crash", str("x"), StringValue.parser(), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNKNOWN);
                        assertThat(e.getMessage()).isEqualTo("boom");
                    });
        }
    }

    @Test
    void unknownServiceOrMethodIsUnimplementedNamingWhatIsMissing() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); var client = TtrpcClient.connect(s.socket)) {
            assertThatThrownBy(() -> client.call("no.Such", "Echo", new byte[0], Duration.ofSeconds(5), Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
                        assertThat(e.getMessage()).isEqualTo("service no.Such");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Nope", new byte[0], Duration.ofSeconds(5), Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.getMessage()).isEqualTo("method Nope"));
        }
    }

    @Test
    void undecodableRequestPayloadIsInvalidArgument() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); var client = TtrpcClient.connect(s.socket)) {
            byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
            assertThatThrownBy(() -> client.call(SVC, "Echo", garbage, Duration.ofSeconds(5), Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT));
        }
    }

    @Test
    void evenStreamIdIsRejectedAndGarbageEnvelopeIsInvalidArgument() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); SocketChannel ch = s.raw()) {
            byte[] body = Request.newBuilder().setService(SVC).setMethod("Echo").build().toByteArray();
            TtrpcTestSupport.writeFrame(ch, body.length, 2, Frames.TYPE_REQUEST, body);
            var reply = TtrpcTestSupport.readFrame(ch);
            assertThat(reply.streamId()).isEqualTo(2);
            assertThat(Response.parseFrom(reply.body()).getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT.value());

            byte[] junk = {0x0a, 0x7f};
            TtrpcTestSupport.writeFrame(ch, junk.length, 3, Frames.TYPE_REQUEST, junk);
            reply = TtrpcTestSupport.readFrame(ch);
            assertThat(reply.streamId()).isEqualTo(3);
            assertThat(Response.parseFrom(reply.body()).getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT.value());
        }
    }

    @Test
    void oversizedFrameIsSkippedAndAnsweredWhileTheConnectionKeepsWorking() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); SocketChannel ch = s.raw()) {
            int size = Frames.MAX_MESSAGE_SIZE + 1;
            TtrpcTestSupport.writeFrame(ch, size, 5, Frames.TYPE_REQUEST, new byte[size]);
            var reply = TtrpcTestSupport.readFrame(ch);
            assertThat(reply.streamId()).isEqualTo(5);
            Response r = Response.parseFrom(reply.body());
            assertThat(r.getStatus().getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED.value());
            assertThat(r.getPayload()).isEqualTo(ByteString.EMPTY);

            byte[] ok = Request.newBuilder().setService(SVC).setMethod("Echo")
                    .setPayload(str("still here").toByteString()).build().toByteArray();
            TtrpcTestSupport.writeFrame(ch, ok.length, 7, Frames.TYPE_REQUEST, ok);
            reply = TtrpcTestSupport.readFrame(ch);
            assertThat(reply.streamId()).isEqualTo(7);
            assertThat(StringValue.parseFrom(Response.parseFrom(reply.body()).getPayload()).getValue())
                    .isEqualTo("still here");
        }
    }

    @Test
    void unknownFrameTypesAreIgnored() throws Exception {
        try (var s = new TtrpcTestSupport(echo(new CountDownLatch(0)), dir); SocketChannel ch = s.raw()) {
            TtrpcTestSupport.writeFrame(ch, 3, 9, (byte) 7, "abc".getBytes(StandardCharsets.US_ASCII));
            byte[] ok = Request.newBuilder().setService(SVC).setMethod("Echo")
                    .setPayload(str("after").toByteString()).build().toByteArray();
            TtrpcTestSupport.writeFrame(ch, ok.length, 11, Frames.TYPE_REQUEST, ok);
            var reply = TtrpcTestSupport.readFrame(ch);
            assertThat(reply.streamId()).isEqualTo(11);
        }
    }
}
