package dev.katajava.transport.stdio;

import java.io.IOException;

/** Opens direct stdio connections to the agent's stdio port: dial, send the header, wait for the answer. */
public final class StdioStreamClient {
    private final GuestPortDialer dialer;
    private final int port;

    public StdioStreamClient(GuestPortDialer dialer, int port) {
        this.dialer = dialer;
        this.port = port;
    }

    /**
     * A connected socket carrying {@code kind} of process {@code execId} in {@code containerId}; the caller
     * owns and closes it.
     *
     * @throws IOException when the port does not answer or the agent refused (the message says which)
     */
    public int open(StdioKind kind, String containerId, String execId) throws IOException {
        int fd = dialer.connect(port);
        try {
            RawSocket.writeAll(fd, new StdioStreamHeader(kind, containerId, execId).encode());
            StdioStreamReply.expectOk(fd);
            return fd;
        } catch (IOException | RuntimeException e) {
            RawSocket.closeQuietly(fd);
            throw e;
        }
    }

    public String describe() {
        return dialer.describe() + ":" + port;
    }
}
