package dev.katajava.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.UnixSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FdByteStreamTest {
    private static String readAll(FdByteStream stream) throws Exception {
        StringBuilder out = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(16);
        while (stream.read(buffer.clear()) > 0) {
            out.append(StandardCharsets.UTF_8.decode(buffer.flip()));
        }
        return out.toString();
    }

    @Test
    void shutdownOutputEndsThePeersReadsWhileTheOtherDirectionStillFlows() throws Exception {
        int[] pair = UnixSockets.pair();
        try (FdByteStream a = new FdByteStream(pair[0]); FdByteStream b = new FdByteStream(pair[1])) {
            a.write(ByteBuffer.wrap("request".getBytes(StandardCharsets.UTF_8)));
            a.shutdownOutput();

            assertThat(readAll(b)).isEqualTo("request");
            b.write(ByteBuffer.wrap("answer".getBytes(StandardCharsets.UTF_8)));
            b.shutdownOutput();
            assertThat(readAll(a)).isEqualTo("answer");
        }
    }

    @Test
    void shutdownOutputAfterCloseDoesNothing() throws Exception {
        int[] pair = UnixSockets.pair();
        try (FdByteStream b = new FdByteStream(pair[1])) {
            FdByteStream a = new FdByteStream(pair[0]);
            a.close();
            a.shutdownOutput();
            assertThat(readAll(b)).isEmpty();
        }
    }
}
