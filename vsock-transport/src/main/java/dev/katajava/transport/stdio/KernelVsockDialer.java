package dev.katajava.transport.stdio;

import dev.katajava.linux.VsockSockets;
import java.io.IOException;

/** Guest ports over AF_VSOCK (kernel vhost-vsock): a plain connect to the guest's CID. */
public final class KernelVsockDialer implements GuestPortDialer {
    private final int cid;

    public KernelVsockDialer(int cid) {
        this.cid = cid;
    }

    @Override
    public int connect(int port) throws IOException {
        return VsockSockets.connect(cid, port);
    }

    @Override
    public String describe() {
        return "vsock:" + cid;
    }
}
