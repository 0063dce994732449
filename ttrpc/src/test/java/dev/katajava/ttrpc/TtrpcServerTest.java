package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtrpcServerTest {
    private static final String SVC = "test.Echo";
    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static ServiceRegistry echo() {
        return new ServiceRegistry()
                .register(SVC, "Echo", StringValue.parser(), (ctx, req) -> req)
                .register(SVC, "Fail", StringValue.parser(), (ctx, req) -> {
                    throw new TtrpcException(Code.NOT_FOUND, "no " + req.getValue());
                })
                .register(SVC, "Crash", StringValue.parser(), (ctx, req) -> {
                    throw new IllegalStateException("boom");
                })
                .register(SVC, "Die", StringValue.parser(), (ctx, req) -> {
                    throw new AssertionError("broken invariant");
                })
                .register(SVC, "Null", StringValue.parser(), (ctx, req) -> null)
                .register(SVC, "Interrupted", StringValue.parser(), (ctx, req) -> {
                    Thread.currentThread().interrupt();
                    return req;
                });
    }

    private static StringValue str(String s) {
        return StringValue.of(s);
    }

    private static <T> CompletableFuture<T> async(ThrowingSupplier<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    @Test
    void answersOutOfOrderWhenAnEarlierCallBlocks() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistry registry = echo().register(SVC, "Slow", StringValue.parser(), (ctx, req) -> {
            entered.countDown();
            release.await();
            return req;
        });
        try (var s = new ListeningServer(registry, dir); var client = s.client()) {
            var slow = async(() -> client.call(SVC, "Slow", str("first"), StringValue.parser(), null));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(client.call(SVC, "Echo", str("second"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("second");
            assertThat(slow).isNotDone();
            release.countDown();
            assertThat(slow.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("first");
        }
    }

    @Test
    void twoHundredCallsFromSeveralThreadsAreOutstandingTogetherOnOneConnectionAndEachGetsItsOwnAnswer()
            throws Exception {
        int calls = 200;
        CountDownLatch allArrived = new CountDownLatch(calls);
        // Every handler waits for all the others: this only finishes if all 200 run at once.
        ServiceRegistry registry = new ServiceRegistry().register(SVC, "Gather", StringValue.parser(), (ctx, req) -> {
            allArrived.countDown();
            if (!allArrived.await(20, TimeUnit.SECONDS)) {
                throw new TtrpcException(Code.DEADLINE_EXCEEDED, "only some calls arrived");
            }
            return str("re:" + req.getValue());
        });
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try (var s = new ListeningServer(registry, dir); var client = s.client()) {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                String v = "v" + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.call(SVC, "Gather", str(v), StringValue.parser(), Duration.ofSeconds(30))
                                .getValue();
                    } catch (TtrpcException e) {
                        throw new IllegalStateException(e);
                    }
                }, callers));
            }
            for (int i = 0; i < calls; i++) {
                assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("re:v" + i);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void handlerStatusKeepsItsCodeAndMessageAndAnyOtherFailureIsUnknownWithItsMessage() throws Exception {
        try (var s = new ListeningServer(echo(), dir); var client = s.client()) {
            assertThatThrownBy(() -> client.call(SVC, "Fail", str("x"), StringValue.parser(), FIVE_SECONDS))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                        assertThat(e.getMessage()).isEqualTo("no x");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Crash", str("x"), StringValue.parser(), FIVE_SECONDS))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNKNOWN);
                        assertThat(e.getMessage()).isEqualTo("boom");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Die", str("x"), StringValue.parser(), FIVE_SECONDS))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNKNOWN);
                        assertThat(e.getMessage()).isEqualTo("broken invariant");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Null", str("x"), StringValue.parser(), FIVE_SECONDS))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.INTERNAL);
                        assertThat(e.getMessage()).contains("Null", "no response");
                    });
        }
    }

    @Test
    void aResponseTooLargeForOneFrameIsReplacedByResourceExhausted() throws Exception {
        ServiceRegistry registry = echo().register(SVC, "Huge", (ctx, req) -> new byte[Frames.MAX_MESSAGE_SIZE]);
        try (var s = new ListeningServer(registry, dir); var client = s.client()) {
            assertThatThrownBy(() -> client.call(SVC, "Huge", new byte[0], FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            assertThat(client.call(SVC, "Echo", str("fine"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("fine");
        }
    }

    @Test
    void errorRepliesCarryAnEmptyPayload() throws Exception {
        try (var s = new ListeningServer(echo(), dir); SocketChannel ch = s.raw()) {
            RawFrames.writeRequest(ch, 1, SVC, "Fail", str("x"));
            Response r = RawFrames.read(ch).response();
            assertThat(r.getStatus().getCode()).isEqualTo(Code.NOT_FOUND.value());
            assertThat(r.getPayload()).isEqualTo(ByteString.EMPTY);
        }
    }

    @Test
    void handlerLeavingItsInterruptFlagSetDoesNotBreakTheConnection() throws Exception {
        try (var s = new ListeningServer(echo(), dir); var client = s.client()) {
            assertThat(client.call(SVC, "Interrupted", str("a"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("a");
            assertThat(client.call(SVC, "Echo", str("b"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("b");
        }
    }

    @Test
    void unknownServiceOrMethodIsUnimplementedNamingWhatIsMissing() throws Exception {
        try (var s = new ListeningServer(echo(), dir); var client = s.client()) {
            assertThatThrownBy(() -> client.call("no.Such", "Echo", new byte[0], FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
                        assertThat(e.getMessage()).isEqualTo("service no.Such");
                    });
            assertThatThrownBy(() -> client.call(SVC, "Nope", new byte[0], FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
                        assertThat(e.getMessage()).isEqualTo("method Nope");
                    });
        }
    }

    @Test
    void undecodableRequestPayloadIsInvalidArgumentNamingTheMethod() throws Exception {
        try (var s = new ListeningServer(echo(), dir); var client = s.client()) {
            byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
            assertThatThrownBy(() -> client.call(SVC, "Echo", garbage, FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).contains(SVC + "/Echo");
                    });
        }
    }

    @Test
    void garbageRequestEnvelopeIsAnsweredInvalidArgumentOnItsStreamAndTheConnectionSurvives() throws Exception {
        try (var s = new ListeningServer(echo(), dir); SocketChannel ch = s.raw()) {
            RawFrames.write(ch, 3, Frames.TYPE_REQUEST, new byte[] {0x0a, 0x7f});
            RawFrames.Frame reply = RawFrames.read(ch);
            assertThat(reply.streamId()).isEqualTo(3);
            assertThat(reply.type()).isEqualTo(Frames.TYPE_RESPONSE);
            assertThat(reply.response().getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT.value());

            RawFrames.writeRequest(ch, 5, SVC, "Echo", str("next"));
            assertThat(StringValue.parseFrom(RawFrames.read(ch).response().getPayload()).getValue()).isEqualTo("next");
        }
    }

    @Test
    void evenStreamIdIsRejectedWithInvalidArgumentOnThatId() throws Exception {
        try (var s = new ListeningServer(echo(), dir); SocketChannel ch = s.raw()) {
            RawFrames.writeRequest(ch, 2, SVC, "Echo", str("x"));
            RawFrames.Frame reply = RawFrames.read(ch);
            assertThat(reply.streamId()).isEqualTo(2);
            Response r = reply.response();
            assertThat(r.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT.value());
            assertThat(r.getStatus().getMessage()).contains("odd");
            assertThat(r.getPayload()).isEqualTo(ByteString.EMPTY);
        }
    }

    @Test
    void oversizedFrameIsSkippedAndAnsweredResourceExhaustedWhileTheConnectionKeepsWorking() throws Exception {
        try (var s = new ListeningServer(echo(), dir); SocketChannel ch = s.raw()) {
            int size = Frames.MAX_MESSAGE_SIZE + 1;
            RawFrames.write(ch, 5, Frames.TYPE_REQUEST, new byte[size]);
            RawFrames.Frame reply = RawFrames.read(ch);
            assertThat(reply.streamId()).isEqualTo(5);
            Response r = reply.response();
            assertThat(r.getStatus().getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED.value());
            assertThat(r.getPayload()).isEqualTo(ByteString.EMPTY);

            RawFrames.writeRequest(ch, 7, SVC, "Echo", str("still here"));
            reply = RawFrames.read(ch);
            assertThat(reply.streamId()).isEqualTo(7);
            assertThat(StringValue.parseFrom(reply.response().getPayload()).getValue()).isEqualTo("still here");
        }
    }

    @Test
    void responseDataAndUnknownFrameTypesAreIgnored() throws Exception {
        try (var s = new ListeningServer(echo(), dir); SocketChannel ch = s.raw()) {
            RawFrames.write(ch, 9, (byte) 7, new byte[] {1, 2, 3});
            RawFrames.write(ch, 9, Frames.TYPE_DATA, new byte[] {4});
            RawFrames.write(ch, 9, Frames.TYPE_RESPONSE, Response.getDefaultInstance().toByteArray());
            RawFrames.writeRequest(ch, 11, SVC, "Echo", str("after"));
            RawFrames.Frame reply = RawFrames.read(ch);
            assertThat(reply.streamId()).isEqualTo(11);
            assertThat(StringValue.parseFrom(reply.response().getPayload()).getValue()).isEqualTo("after");
        }
    }

    @Test
    void truncatedFrameAtEndOfStreamEndsServeNormallyAndClosesTheStream() throws Exception {
        byte[] request = Request.newBuilder().setService(SVC).setMethod("Echo").build().toByteArray();
        byte[] frame = Frames.encode(1, Frames.TYPE_REQUEST, request).array();
        var stream = new MemoryStream(java.util.Arrays.copyOf(frame, frame.length - 1));

        new TtrpcServer(echo()).serve(stream);

        assertThat(stream.closed).isTrue();
        assertThat(stream.written()).isEmpty();
    }

    @Test
    void servesOverSeparateReadAndWriteChannelsAndCloseMakesServeReturn() throws Exception {
        Pipe toServer = Pipe.open();
        Pipe toClient = Pipe.open();
        var server = new TtrpcServer(echo());
        CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
            try {
                server.serve(ByteStream.of(toServer.source(), toClient.sink(), () -> {
                    toServer.source().close();
                    toClient.sink().close();
                }));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
        try (var client = new TtrpcClient(ByteStream.of(toClient.source(), toServer.sink(), () -> {
            toClient.source().close();
            toServer.sink().close();
        }))) {
            CountDownLatch clientSawClose = new CountDownLatch(1);
            client.onClose(clientSawClose::countDown);
            assertThat(client.call(SVC, "Echo", str("over pipes"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("over pipes");

            server.close();

            serving.get(5, TimeUnit.SECONDS);
            assertThat(clientSawClose.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closeMakesListenReturnAndEndsOpenConnections() throws Exception {
        var s = new ListeningServer(echo(), dir);
        try (var client = s.client()) {
            assertThat(client.call(SVC, "Echo", str("up"), StringValue.parser(), FIVE_SECONDS).getValue())
                    .isEqualTo("up");
            CountDownLatch closed = new CountDownLatch(1);
            client.onClose(closed::countDown);

            s.close();

            s.listening.get(5, TimeUnit.SECONDS);
            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void serveOnAClosedServerClosesTheConnectionAtOnce() throws Exception {
        var server = new TtrpcServer(echo());
        server.close();
        var stream = new MemoryStream(Frames.encode(1, Frames.TYPE_REQUEST, new byte[0]).array());
        server.serve(stream);
        assertThat(stream.closed).isTrue();
        assertThat(stream.written()).isEmpty();
    }

    @Test
    void registeringAMethodTwiceIsRefusedNamingIt() {
        var registry = new ServiceRegistry().register(SVC, "Echo", (ctx, req) -> req);
        assertThatThrownBy(() -> registry.register(SVC, "Echo", (ctx, req) -> req))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SVC + "/Echo");
    }
}
