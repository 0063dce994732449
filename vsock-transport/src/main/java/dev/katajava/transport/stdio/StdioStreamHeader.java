package dev.katajava.transport.stdio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The preamble the host sends on a new direct stdio connection: which process and which of its streams the
 * connection carries. Layout: the magic {@code KJS1}, one byte {@link StdioKind#code}, then the container id
 * and the exec id, each as a big-endian 16-bit length and that many UTF-8 bytes.
 */
public record StdioStreamHeader(StdioKind kind, String containerId, String execId) {
    static final byte[] MAGIC = {'K', 'J', 'S', '1'};
    /** Longest id accepted; container and exec ids are at most a few dozen characters. */
    static final int MAX_ID = 1024;
    private static final int FIXED = MAGIC.length + 1 + 2;

    public StdioStreamHeader {
        checkId("container id", containerId);
        checkId("exec id", execId);
    }

    private static void checkId(String what, String id) {
        if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID) {
            throw new IllegalArgumentException(what + " longer than " + MAX_ID + " bytes");
        }
    }

    public byte[] encode() {
        byte[] cid = containerId.getBytes(StandardCharsets.UTF_8);
        byte[] eid = execId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FIXED + cid.length + 2 + eid.length);
        b.put(MAGIC).put((byte) kind.code()).putShort((short) cid.length).put(cid)
                .putShort((short) eid.length).put(eid);
        return b.array();
    }

    /** Reads a header from the connected socket {@code fd}; a malformed one fails naming what was wrong. */
    public static StdioStreamHeader read(int fd) throws IOException {
        byte[] fixed = RawSocket.readExactly(fd, FIXED);
        for (int i = 0; i < MAGIC.length; i++) {
            if (fixed[i] != MAGIC[i]) {
                throw new IOException("not a stdio stream: bad magic");
            }
        }
        StdioKind kind = StdioKind.ofCode(fixed[MAGIC.length]);
        if (kind == null) {
            throw new IOException("unknown stdio stream kind " + fixed[MAGIC.length]);
        }
        String cid = readId(fd, "container id", ((fixed[FIXED - 2] & 0xff) << 8) | (fixed[FIXED - 1] & 0xff));
        byte[] len = RawSocket.readExactly(fd, 2);
        String eid = readId(fd, "exec id", ((len[0] & 0xff) << 8) | (len[1] & 0xff));
        return new StdioStreamHeader(kind, cid, eid);
    }

    private static String readId(int fd, String what, int len) throws IOException {
        if (len > MAX_ID) {
            throw new IOException(what + " of " + len + " bytes, more than " + MAX_ID);
        }
        return new String(RawSocket.readExactly(fd, len), StandardCharsets.UTF_8);
    }
}
