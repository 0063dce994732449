package dev.katajava.shim.monitor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The request line of an HTTP/1.x request; the headers are read (bounded) and ignored. */
record RequestHead(String method, String path) {
    /** Raised for anything that is not a well-formed HTTP/1.x request head within the size limit. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    /** Reads up to the blank line that ends the head, failing once more than {@code limit} bytes came. */
    static RequestHead read(InputStream in, int limit) throws IOException, BadRequest {
        byte[] head = new byte[limit];
        int n = 0;
        while (!endsHead(head, n)) {
            if (n == limit) {
                throw new BadRequest("request head larger than " + limit + " bytes");
            }
            int b = in.read();
            if (b < 0) {
                throw new BadRequest("connection closed before the end of the request head");
            }
            head[n++] = (byte) b;
        }
        String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
        return parse(text.substring(0, text.indexOf('\n')).strip());
    }

    static RequestHead parse(String requestLine) throws BadRequest {
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !parts[0].matches("[A-Z]+") || !parts[1].startsWith("/")
                || !parts[2].matches("HTTP/1\\.[01]")) {
            throw new BadRequest("malformed request line");
        }
        int query = parts[1].indexOf('?');
        return new RequestHead(parts[0], query < 0 ? parts[1] : parts[1].substring(0, query));
    }

    /** A head ends with an empty line; bare LF line ends are accepted, as most servers do. */
    private static boolean endsHead(byte[] b, int n) {
        return n >= 2 && b[n - 1] == '\n' && (b[n - 2] == '\n' || (n >= 4 && b[n - 2] == '\r' && b[n - 3] == '\n'));
    }
}
