package dev.katajava.vhostuser.hybrid;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;

/**
 * Any local process that can open the hybrid socket writes the first line. The handshake must take exactly
 * one line (never the client's data after it), bound its length, and accept only {@code CONNECT <port>}.
 */
class HybridHandshakeFuzzTest {
    private static final int MAX_LINE = 64;

    @FuzzTest(maxDuration = "10s")
    void connectLineIsBoundedAndOnlyAWellFormedPortIsAccepted(byte[] input) {
        ByteArrayInputStream client = new ByteArrayInputStream(input);
        String line;
        try {
            line = HybridListener.readLine(Channels.newChannel(client));
        } catch (IOException | IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            int newline = firstNewline(input);
            assertThat(newline == -1 || newline >= MAX_LINE).as("only a line without its end is refused").isTrue();
            return;
        }
        assertThat(line).hasSizeLessThan(MAX_LINE).doesNotContain("\n");
        assertThat(client.available()).as("bytes after the line stay unread").isEqualTo(input.length - line.length() - 1);
        int port;
        try {
            port = HybridListener.parsePort(line);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        String number = line.replaceFirst("\r$", "").substring("CONNECT ".length()).trim();
        assertThat(line).startsWith("CONNECT ");
        assertThat(Long.parseLong(number)).isEqualTo(Integer.toUnsignedLong(port));
    }

    private static int firstNewline(byte[] input) {
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
