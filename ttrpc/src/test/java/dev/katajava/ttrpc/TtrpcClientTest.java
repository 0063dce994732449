package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtrpcClientTest {
    private static final String SVC = "test.Echo";

    @TempDir
    Path dir;

    private static ServiceRegistry blocking(CountDownLatch latch) {
        return new ServiceRegistry().register(SVC, "Block", StringValue.parser(), (ctx, req) -> {
            latch.await();
            return req;
        });
    }

    @Test
    void aCallWithoutAnAnswerInTimeFailsWithDeadlineExceeded() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (var s = new TtrpcTestSupport(blocking(never), dir); var client = TtrpcClient.connect(s.socket)) {
            assertThatThrownBy(() -> client.call(SVC, "Block", StringValue.of("x"), StringValue.parser(),
                    Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
            assertThat(client.isClosed()).isFalse();
            never.countDown();
        }
    }

    @Test
    void losingTheServerFailsPendingCallsAsUnavailableAndRunsCloseListenersOnce() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        var s = new TtrpcTestSupport(blocking(never), dir);
        try (var client = TtrpcClient.connect(s.socket)) {
            AtomicInteger closes = new AtomicInteger();
            client.onClose(closes::incrementAndGet);
            CompletableFuture<Throwable> pending = CompletableFuture.supplyAsync(() -> {
                try {
                    client.call(SVC, "Block", StringValue.of("x"), StringValue.parser(), null);
                    return null;
                } catch (TtrpcException e) {
                    return e;
                }
            });
            Thread.sleep(100);
            s.close();
            Throwable failure = pending.get(5, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOfSatisfying(TtrpcException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
                assertThat(e.getMessage()).isEqualTo("ttrpc: closed");
            });
            assertThatThrownBy(() -> client.call(SVC, "Block", new byte[0], Duration.ofSeconds(1), Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.UNAVAILABLE));
            client.close();
            assertThat(closes.get()).isEqualTo(1);
        } finally {
            never.countDown();
        }
    }

    @Test
    void requestsOverTheSizeLimitAreRefusedBeforeSending() throws Exception {
        try (var s = new TtrpcTestSupport(new ServiceRegistry(), dir); var client = TtrpcClient.connect(s.socket)) {
            byte[] huge = new byte[Frames.MAX_MESSAGE_SIZE + 1];
            assertThatThrownBy(() -> client.call(SVC, "Any", huge, Duration.ofSeconds(1), Map.of()))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void metadataAndDeadlineReachTheHandler() throws Exception {
        var seen = new CompletableFuture<CallContext>();
        ServiceRegistry r = new ServiceRegistry().register(SVC, "Ctx", (ctx, req) -> {
            seen.complete(ctx);
            return new byte[0];
        });
        try (var s = new TtrpcTestSupport(r, dir); var client = TtrpcClient.connect(s.socket)) {
            client.call(SVC, "Ctx", new byte[0], Duration.ofSeconds(2), Map.of("containerd-namespace-ttrpc", "default"));
            CallContext ctx = seen.get(5, TimeUnit.SECONDS);
            assertThat(ctx.metadata()).containsEntry("containerd-namespace-ttrpc", "default");
            assertThat(ctx.timeoutNanos()).isEqualTo(2_000_000_000L);
        }
    }
}
