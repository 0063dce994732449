package dev.katajava.transport;

import dev.katajava.linux.VsockSockets;
import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.time.Duration;

/** Dials the guest agent over AF_VSOCK (QEMU's vhost-vsock device, which needs the host's vhost_vsock module). */
public final class VsockTransport implements AgentTransport {
    private final int cid;
    private final int port;

    public VsockTransport(int cid, int port) {
        this.cid = cid;
        this.port = port;
    }

    @Override
    public ByteStream dial(Duration timeout) throws IOException {
        return DialRetry.until(timeout, describe(), () -> new FdByteStream(VsockSockets.connect(cid, port)));
    }

    @Override
    public String describe() {
        return "vsock:" + cid + ":" + port;
    }
}
