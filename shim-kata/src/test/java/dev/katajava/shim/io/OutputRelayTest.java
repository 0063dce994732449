package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputRelayTest {
    @TempDir
    Path dir;

    private static OutputRelay.ChunkReader chunks(String... parts) {
        Queue<String> q = new ArrayDeque<>(List.of(parts));
        return () -> {
            String next = q.poll();
            if (next == null) {
                throw new TtrpcException(Code.INTERNAL, "eof");
            }
            return ByteString.copyFromUtf8(next);
        };
    }

    @Test
    void aDirectStreamIsCopiedWholeAndDoneOnlyAfterItEnded() throws Exception {
        Path log = dir.resolve("out.log");
        int[] pair = UnixSockets.pair();
        byte[] data = new byte[5 * 1024 * 1024 + 3];
        new Random(7).nextBytes(data);
        OutputRelay relay = OutputRelay.start("t", () -> pair[1], chunks("never used"),
                OutputSink.open("file://" + log));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(data.length);
            MemorySegment.copy(data, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            Fds.writeFully(pair[0], seg, data.length);
        }
        Thread.sleep(100);
        assertThat(relay.done()).as("the stream has not ended yet").isNotDone();
        UnixSockets.shutdown(pair[0], UnixSockets.SHUT_WR);
        relay.done().get(10, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(log)).isEqualTo(data);
        // The relay closed its end: the agent's wait for the host's close ends.
        try (Arena arena = Arena.ofConfined()) {
            assertThat(Fds.read(pair[0], arena.allocate(1), 1)).isZero();
        }
        Fds.close(pair[0]);
    }

    @Test
    void aStreamThatCannotBeOpenedFallsBackToTheAgentApi() throws Exception {
        Path log = dir.resolve("out.log");
        OutputRelay relay = OutputRelay.start("t", () -> {
            throw new IOException("the guest refused port 1025");
        }, chunks("one ", "two"), OutputSink.open("file://" + log));
        relay.done().get(10, TimeUnit.SECONDS);
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).isEqualTo("one two");
    }

    @Test
    void withoutASinkTheStreamIsStillDrainedToItsEnd() throws Exception {
        int[] pair = UnixSockets.pair();
        OutputRelay relay = OutputRelay.start("t", () -> pair[1], chunks(), null);
        try (Arena arena = Arena.ofConfined()) {
            Fds.writeFully(pair[0], arena.allocate(300_000), 300_000);
        }
        UnixSockets.shutdown(pair[0], UnixSockets.SHUT_WR);
        relay.done().get(10, TimeUnit.SECONDS);
        Fds.close(pair[0]);
    }
}
