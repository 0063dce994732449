package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a hand-driven peer, so every frame it sends and receives is visible. */
class TtrpcClientTest {
    private static final String SVC = "test.Echo";
    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** Runs a call on its own thread; completes with the answer, or exceptionally with the TtrpcException. */
    private static CompletableFuture<String> callAsync(TtrpcClient client, String value, Duration timeout) {
        var result = new CompletableFuture<String>();
        Thread.startVirtualThread(() -> {
            try {
                result.complete(client.call(SVC, "Echo", StringValue.of(value), StringValue.parser(), timeout)
                        .getValue());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static Response answer(String value) {
        return Response.newBuilder().setPayload(StringValue.of(value).toByteString()).build();
    }

    private static String valueOf(Request request) throws IOException {
        return StringValue.parseFrom(request.getPayload()).getValue();
    }

    private static Throwable failureOf(CompletableFuture<?> call) throws Exception {
        try {
            Object value = call.get(5, TimeUnit.SECONDS);
            throw new AssertionError("call succeeded with " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void streamIdsAreOddStartingAtOneAndSteppingByTwo() throws Exception {
        try (var peer = new FakePeer(dir)) {
            for (int expected : new int[] {1, 3, 5}) {
                var call = callAsync(peer.client, "n" + expected, FIVE_SECONDS);
                RawFrames.Frame request = RawFrames.read(peer.raw);
                assertThat(request.streamId()).isEqualTo(expected);
                assertThat(request.type()).isEqualTo(Frames.TYPE_REQUEST);
                assertThat(request.flags()).isZero();
                RawFrames.writeResponse(peer.raw, request.streamId(), answer("ok" + expected));
                assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("ok" + expected);
            }
        }
    }

    @Test
    void responsesAreMatchedByStreamIdInAnyOrderAndOneForAnUnknownIdIsDropped() throws Exception {
        try (var peer = new FakePeer(dir)) {
            var first = callAsync(peer.client, "first", FIVE_SECONDS);
            RawFrames.Frame r1 = RawFrames.read(peer.raw);
            var second = callAsync(peer.client, "second", FIVE_SECONDS);
            RawFrames.Frame r2 = RawFrames.read(peer.raw);

            RawFrames.writeResponse(peer.raw, 99, answer("stray"));
            RawFrames.writeResponse(peer.raw, r2.streamId(), answer("re:" + valueOf(r2.request())));
            assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("re:second");
            assertThat(first).isNotDone();
            RawFrames.writeResponse(peer.raw, r1.streamId(), answer("re:" + valueOf(r1.request())));
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("re:first");
            assertThat(peer.client.isClosed()).isFalse();
        }
    }

    @Test
    void metadataIsSentAsKeyValuesAndTheDeadlineAsTimeoutNano() throws Exception {
        try (var peer = new FakePeer(dir)) {
            Thread.startVirtualThread(() -> {
                try {
                    peer.client.call(SVC, "Ctx", new byte[] {1}, Duration.ofMillis(1500),
                            Map.of("containerd-namespace-ttrpc", "k8s.io"));
                } catch (TtrpcException ignored) {
                    // Only the request bytes matter here.
                }
            });
            Request request = RawFrames.read(peer.raw).request();
            assertThat(request.getService()).isEqualTo(SVC);
            assertThat(request.getMethod()).isEqualTo("Ctx");
            assertThat(request.getPayload()).isEqualTo(ByteString.copyFrom(new byte[] {1}));
            assertThat(request.getMetadataList()).containsExactly(
                    KeyValue.newBuilder().setKey("containerd-namespace-ttrpc").setValue("k8s.io").build());
            assertThat(request.getTimeoutNano()).isEqualTo(1_500_000_000L);

            var _ = callAsync(peer.client, "no deadline", null);
            Request withoutDeadline = RawFrames.read(peer.raw).request();
            assertThat(withoutDeadline.getTimeoutNano()).isZero();
            assertThat(withoutDeadline.getMetadataList()).isEmpty();
        }
    }

    @Test
    void aCallWithoutAnAnswerInTimeFailsWithDeadlineExceededAndIsForgotten() throws Exception {
        try (var peer = new FakePeer(dir)) {
            assertThatThrownBy(() -> peer.client.call(SVC, "Echo", StringValue.of("late"), StringValue.parser(),
                    Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(TtrpcException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
            assertThat(peer.client.pendingCount()).isZero();

            RawFrames.Frame late = RawFrames.read(peer.raw);
            RawFrames.writeResponse(peer.raw, late.streamId(), answer("too late"));
            var next = callAsync(peer.client, "next", FIVE_SECONDS);
            RawFrames.Frame r = RawFrames.read(peer.raw);
            RawFrames.writeResponse(peer.raw, r.streamId(), answer("on time"));
            assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("on time");
            assertThat(peer.client.isClosed()).isFalse();
        }
    }

    @Test
    void aDeadlineThatHasAlreadyPassedFailsWithoutSending() throws Exception {
        try (var peer = new FakePeer(dir)) {
            for (Duration d : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1)}) {
                assertThatThrownBy(() -> peer.client.call(SVC, "Echo", new byte[0], d, Map.of()))
                        .isInstanceOfSatisfying(TtrpcException.class,
                                e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
            }
            var _ = callAsync(peer.client, "first sent", FIVE_SECONDS);
            assertThat(RawFrames.read(peer.raw).streamId()).isEqualTo(1);
        }
    }

    @Test
    void requestsOverTheSizeLimitAreRefusedWithoutSending() throws Exception {
        try (var peer = new FakePeer(dir)) {
            byte[] huge = new byte[Frames.MAX_MESSAGE_SIZE];
            assertThatThrownBy(() -> peer.client.call(SVC, "Big", huge, FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            assertThat(peer.client.isClosed()).isFalse();
            var _ = callAsync(peer.client, "small", FIVE_SECONDS);
            RawFrames.Frame next = RawFrames.read(peer.raw);
            assertThat(next.streamId()).isEqualTo(1);
            assertThat(valueOf(next.request())).isEqualTo("small");
        }
    }

    @Test
    void losingTheServerFailsPendingCallsWithUnavailableAndRunsCloseListenersOnce() throws Exception {
        try (var peer = new FakePeer(dir)) {
            AtomicInteger closes = new AtomicInteger();
            CountDownLatch closed = new CountDownLatch(1);
            peer.client.onClose(closes::incrementAndGet);
            peer.client.onClose(closed::countDown);
            var a = callAsync(peer.client, "a", null);
            var b = callAsync(peer.client, "b", FIVE_SECONDS);
            RawFrames.read(peer.raw);
            RawFrames.read(peer.raw);

            peer.raw.close();

            for (var call : java.util.List.of(a, b)) {
                assertThat(failureOf(call)).isInstanceOfSatisfying(TtrpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
                    assertThat(e.getMessage()).isEqualTo("ttrpc: closed");
                });
            }
            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(peer.client.isClosed()).isTrue();
            assertThat(peer.client.pendingCount()).isZero();
            assertThatThrownBy(() -> peer.client.call(SVC, "Echo", new byte[0], FIVE_SECONDS, Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
                        assertThat(e.getMessage()).isEqualTo("ttrpc: closed");
                    });
            peer.client.close();
            assertThat(closes).hasValue(1);

            AtomicInteger late = new AtomicInteger();
            peer.client.onClose(late::incrementAndGet);
            assertThat(late).hasValue(1);
        }
    }

    @Test
    void closingTheClientFailsPendingCallsAndTheServerSeesEndOfStream() throws Exception {
        try (var peer = new FakePeer(dir)) {
            var pending = callAsync(peer.client, "a", null);
            RawFrames.read(peer.raw);

            peer.client.close();

            assertThat(failureOf(pending)).isInstanceOfSatisfying(TtrpcException.class,
                    e -> assertThat(e.code()).isEqualTo(Code.UNAVAILABLE));
            assertThat(RawFrames.atEnd(peer.raw)).isTrue();
        }
    }

    @Test
    void anInterruptedCallerGetsCancelledAndTheConnectionSurvives() throws Exception {
        try (var peer = new FakePeer(dir)) {
            var result = new CompletableFuture<Throwable>();
            Thread caller = Thread.startVirtualThread(() -> {
                try {
                    peer.client.call(SVC, "Echo", StringValue.of("a"), StringValue.parser(), null);
                    result.complete(null);
                } catch (TtrpcException e) {
                    result.complete(e);
                }
            });
            RawFrames.read(peer.raw);

            caller.interrupt();

            assertThat(result.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(TtrpcException.class,
                    e -> assertThat(e.code()).isEqualTo(Code.CANCELLED));
            var next = callAsync(peer.client, "b", FIVE_SECONDS);
            RawFrames.Frame r = RawFrames.read(peer.raw);
            RawFrames.writeResponse(peer.raw, r.streamId(), answer("still up"));
            assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("still up");
        }
    }

    @Test
    void callerThatIsAlreadyInterruptedDoesNotCloseTheSharedConnection() throws Exception {
        try (var peer = new FakePeer(dir)) {
            var result = new CompletableFuture<Throwable>();
            Thread.startVirtualThread(() -> {
                Thread.currentThread().interrupt();
                try {
                    peer.client.call(SVC, "Echo", new byte[0], FIVE_SECONDS, Map.of());
                    result.complete(null);
                } catch (TtrpcException e) {
                    result.complete(e);
                }
            });
            assertThat(result.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(TtrpcException.class,
                    e -> assertThat(e.code()).isEqualTo(Code.CANCELLED));
            assertThat(peer.client.isClosed()).isFalse();
        }
    }

    @Test
    void undecodableResponseIsInternalAndErrorStatusKeepsItsCode() throws Exception {
        try (var peer = new FakePeer(dir)) {
            var garbled = callAsync(peer.client, "a", FIVE_SECONDS);
            RawFrames.write(peer.raw, RawFrames.read(peer.raw).streamId(), Frames.TYPE_RESPONSE, new byte[] {0x0a, 0x7f});
            assertThat(failureOf(garbled)).isInstanceOfSatisfying(TtrpcException.class,
                    e -> assertThat(e.code()).isEqualTo(Code.INTERNAL));

            var refused = callAsync(peer.client, "b", FIVE_SECONDS);
            RawFrames.writeResponse(peer.raw, RawFrames.read(peer.raw).streamId(),
                    Replies.error(Code.PERMISSION_DENIED, "not you"));
            assertThat(failureOf(refused)).isInstanceOfSatisfying(TtrpcException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.PERMISSION_DENIED);
                assertThat(e.getMessage()).isEqualTo("not you");
            });
        }
    }

    @Test
    void connectingToAMissingSocketNamesIt() {
        Path missing = dir.resolve("absent.sock");
        assertThatThrownBy(() -> TtrpcClient.connect(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());
    }
}
