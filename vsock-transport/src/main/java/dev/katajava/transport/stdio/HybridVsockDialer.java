package dev.katajava.transport.stdio;

import dev.katajava.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Guest ports through a hybrid-vsock Unix socket: connect, {@code CONNECT <port>\n}, {@code OK <port>\n}. */
public final class HybridVsockDialer implements GuestPortDialer {
    private static final int MAX_REPLY = 64;

    private final Path socket;

    public HybridVsockDialer(Path socket) {
        this.socket = socket;
    }

    @Override
    public int connect(int port) throws IOException {
        int fd = UnixSockets.connect(socket);
        try {
            RawSocket.writeAll(fd, ("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
            String reply = RawSocket.readLine(fd, MAX_REPLY);
            if (!reply.startsWith("OK ")) {
                throw new IOException(reply.isEmpty() ? "the guest refused port " + port + " on " + socket
                        : "unexpected answer \"" + reply + "\" from " + socket);
            }
            return fd;
        } catch (IOException e) {
            RawSocket.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public String describe() {
        return "hvsock:" + socket;
    }
}
