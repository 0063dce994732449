package dev.katajava.ttrpc;

import com.google.protobuf.MessageLite;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Frame I/O by hand, independent of the code under test, and hex conversions for the worked examples. */
final class RawFrames {
    record Frame(long length, int streamId, byte type, byte flags, byte[] body) {
        Request request() throws IOException {
            return Request.parseFrom(body);
        }

        Response response() throws IOException {
            return Response.parseFrom(body);
        }
    }

    private RawFrames() {
    }

    /** Writes a header claiming {@code length} followed by {@code body} (which may differ, to lie). */
    static void write(SocketChannel ch, long length, int streamId, byte type, byte[] body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);
        header.putInt((int) length).putInt(streamId).put(type).put((byte) 0).flip();
        writeAll(ch, header);
        writeAll(ch, ByteBuffer.wrap(body));
    }

    static void write(SocketChannel ch, int streamId, byte type, byte[] body) throws IOException {
        write(ch, body.length, streamId, type, body);
    }

    static void writeRequest(SocketChannel ch, int streamId, String service, String method, MessageLite payload)
            throws IOException {
        Request r = Request.newBuilder().setService(service).setMethod(method)
                .setPayload(payload.toByteString()).build();
        write(ch, streamId, Frames.TYPE_REQUEST, r.toByteArray());
    }

    static void writeResponse(SocketChannel ch, int streamId, Response response) throws IOException {
        write(ch, streamId, Frames.TYPE_RESPONSE, response.toByteArray());
    }

    static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static Frame read(SocketChannel ch) throws IOException {
        ByteBuffer header = readExactly(ch, Frames.HEADER_SIZE);
        int len = header.getInt();
        return new Frame(Integer.toUnsignedLong(len), header.getInt(), header.get(), header.get(),
                readExactly(ch, len).array());
    }

    static ByteBuffer readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("peer closed after " + buf.position() + " of " + n + " bytes");
            }
        }
        return buf.flip();
    }

    /** True when the peer has closed: the next read is end of stream. */
    static boolean atEnd(SocketChannel ch) throws IOException {
        return ch.read(ByteBuffer.allocate(1)) < 0;
    }

    /** Bytes from a mix of hex strings and quoted ASCII, e.g. {@code bytes("0a04", "\"test\"")}. */
    static byte[] bytes(String... parts) {
        StringBuilder hex = new StringBuilder();
        for (String p : parts) {
            if (p.startsWith("\"")) {
                hex.append(HexFormat.of().formatHex(p.substring(1, p.length() - 1).getBytes(StandardCharsets.US_ASCII)));
            } else {
                hex.append(p.replace(" ", ""));
            }
        }
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
