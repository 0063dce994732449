package dev.katajava.transport;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.VsockSockets;
import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.time.Duration;

/** Dials the guest agent over AF_VSOCK (QEMU's vhost-vsock device, which needs the host's vhost_vsock module). */
public final class VsockTransport implements AgentTransport {
    private static final Duration RETRY_PAUSE = Duration.ofMillis(10);

    private final int cid;
    private final int port;

    public VsockTransport(int cid, int port) {
        this.cid = cid;
        this.port = port;
    }

    @Override
    public ByteStream dial(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return new FdByteStream(VsockSockets.connect(cid, port));
            } catch (ErrnoException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new IOException("cannot connect to the agent at " + describe() + " within " + timeout
                            + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(RETRY_PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to " + describe(), e);
            }
        }
    }

    @Override
    public String describe() {
        return "vsock:" + cid + ":" + port;
    }
}
