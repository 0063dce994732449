package dev.katajava.transport.stdio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The agent's answer to a {@link StdioStreamHeader}: one byte 0 when the stream is attached (its bytes
 * follow), otherwise 1, a big-endian 16-bit length and a UTF-8 message saying why not.
 */
public final class StdioStreamReply {
    private static final int MAX_MESSAGE = 4096;

    private StdioStreamReply() {
    }

    public static byte[] ok() {
        return new byte[] {0};
    }

    public static byte[] refused(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(m.length, MAX_MESSAGE);
        return ByteBuffer.allocate(3 + n).put((byte) 1).putShort((short) n).put(m, 0, n).array();
    }

    /** Reads the answer on {@code fd}; throws with the agent's message when it refused. */
    public static void expectOk(int fd) throws IOException {
        byte status = RawSocket.readExactly(fd, 1)[0];
        if (status == 0) {
            return;
        }
        if (status != 1) {
            throw new IOException("unexpected stdio stream answer " + status);
        }
        byte[] len = RawSocket.readExactly(fd, 2);
        int n = Math.min(((len[0] & 0xff) << 8) | (len[1] & 0xff), MAX_MESSAGE);
        throw new IOException("the agent refused the stream: "
                + new String(RawSocket.readExactly(fd, n), StandardCharsets.UTF_8));
    }
}
