package dev.katajava.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StdioStreamHeaderTest {
    private static StdioStreamHeader roundTrip(byte[] bytes) throws IOException {
        int[] pair = UnixSockets.pair();
        try {
            RawSocket.writeAll(pair[0], bytes);
            UnixSockets.shutdown(pair[0], UnixSockets.SHUT_WR);
            return StdioStreamHeader.read(pair[1]);
        } finally {
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    @Test
    void decodesWhatItEncodes() throws Exception {
        for (StdioKind kind : StdioKind.values()) {
            StdioStreamHeader h = new StdioStreamHeader(kind, "container-ü", "exec-1");
            assertThat(roundTrip(h.encode())).isEqualTo(h);
        }
        assertThat(roundTrip(new StdioStreamHeader(StdioKind.STDOUT, "c", "").encode()).execId()).isEmpty();
    }

    @Test
    void malformedHeadersAreRefusedNamingTheFault() throws Exception {
        byte[] good = new StdioStreamHeader(StdioKind.STDIN, "c", "e").encode();
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> roundTrip(magic)).hasMessageContaining("bad magic");
        byte[] kind = good.clone();
        kind[4] = 7;
        assertThatThrownBy(() -> roundTrip(kind)).hasMessageContaining("unknown stdio stream kind 7");
        byte[] longId = good.clone();
        longId[5] = (byte) 0xff;
        assertThatThrownBy(() -> roundTrip(longId)).hasMessageContaining("container id of 65281 bytes");
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> roundTrip(cut)).hasMessageContaining("stream ended");
        assertThatThrownBy(() -> new StdioStreamHeader(StdioKind.STDIN, "x".repeat(2000), "e"))
                .hasMessageContaining("container id longer than 1024");
    }
}
