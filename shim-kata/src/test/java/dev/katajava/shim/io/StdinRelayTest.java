package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StdinRelayTest {
    @TempDir
    Path dir;

    /** Notes what the relay did to the process's stdin. */
    private static final class Recording implements StdinRelay.StdinTarget {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public int write(ByteString data) {
            calls.add("write " + data.toString(StandardCharsets.UTF_8));
            return data.size();
        }

        @Override
        public void close() {
            calls.add("close");
        }

        @Override
        public void release() {
            calls.add("release");
        }
    }

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("stdin");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void theClientsEndOfInputClosesTheProcessStdinAfterEveryByte() throws Exception {
        Path fifo = fifo();
        Recording target = new Recording();
        StdinRelay relay = StdinRelay.start("t", fifo.toString(), target);
        try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write("typed".getBytes(StandardCharsets.UTF_8));
        }
        relay.done().get(10, TimeUnit.SECONDS);
        assertThat(target.calls).containsExactly("write typed", "close", "release");
    }

    @Test
    void anAbandonedRelayEndsWithoutClosingTheStdinOfAProcessThatIsGone() throws Exception {
        Path fifo = fifo();
        Recording target = new Recording();
        StdinRelay relay = StdinRelay.start("t", fifo.toString(), target);
        // The client never opened its end: the relay waits in its open until abandoned.
        relay.abandon();
        relay.done().get(10, TimeUnit.SECONDS);
        assertThat(target.calls).containsExactly("release");
    }
}
