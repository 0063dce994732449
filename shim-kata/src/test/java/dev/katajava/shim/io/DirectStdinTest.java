package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.ttrpc.TtrpcException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DirectStdinTest {
    /** What the agent's end does: read to end of stream, then (after {@code delayMs}) answer one byte. */
    private static CompletableFuture<String> agent(int fd, long delayMs) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(4096);
                int n;
                while ((n = Fds.read(fd, buf, 4096)) > 0) {
                    got.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
                }
                Thread.sleep(delayMs);
                Fds.writeFully(fd, arena.allocate(1), 1);
                Fds.close(fd);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return got.toString(StandardCharsets.UTF_8);
        }, Thread::startVirtualThread);
    }

    private static final class Recording implements StdinRelay.StdinTarget {
        final List<String> calls = new ArrayList<>();

        @Override
        public int write(ByteString data) {
            calls.add("write " + data.toStringUtf8());
            return data.size();
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    @Test
    void closeReturnsOnlyOnceTheAgentAnsweredAfterTakingEverything() throws Exception {
        int[] pair = UnixSockets.pair();
        var agent = agent(pair[0], 300);
        Recording rpc = new Recording();
        DirectStdin stdin = new DirectStdin("t", () -> pair[1], rpc);
        stdin.write(ByteString.copyFromUtf8("hello "));
        stdin.write(ByteString.copyFromUtf8("world"));
        long t0 = System.nanoTime();
        stdin.close();
        assertThat(System.nanoTime() - t0).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(agent.get(5, TimeUnit.SECONDS)).isEqualTo("hello world");
        assertThat(rpc.calls).isEmpty();
        stdin.release();
    }

    @Test
    void withoutAStreamEverythingGoesThroughTheAgentApi() throws TtrpcException {
        Recording rpc = new Recording();
        DirectStdin stdin = new DirectStdin("t", () -> {
            throw new IOException("refused");
        }, rpc);
        stdin.write(ByteString.copyFromUtf8("a"));
        stdin.close();
        stdin.release();
        assertThat(rpc.calls).containsExactly("write a", "close");
    }
}
