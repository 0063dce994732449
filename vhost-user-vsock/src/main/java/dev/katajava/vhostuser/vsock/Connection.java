package dev.katajava.vhostuser.vsock;

import java.io.IOException;

/**
 * One stream's state and credit accounting. All fields are guarded by the multiplexer's lock; the
 * {@link GuestStream} methods take it.
 *
 * <p>Counters are free-running unsigned 32-bit values, as on the wire, so differences are taken with int
 * subtraction and read as unsigned.
 */
final class Connection implements GuestStream {
    enum State { CONNECTING, ESTABLISHED, CLOSED }

    /**
     * Bytes we let the guest have in flight towards us. 1 MiB rather than a Linux peer's 256 KiB: a bulk
     * stream then keeps going while the host side catches up (a loaded host wakes its threads late).
     */
    static final int BUF_ALLOC = 1024 * 1024;
    /**
     * Consumed bytes after which the guest hears of them in a credit update. Each update costs the guest an
     * interrupt, so not after every packet; but small: with a step of 512 KiB a stream from a Linux 6.1 guest
     * stalled for good (as if it stops at about 256 KiB unacknowledged whatever credit it has).
     */
    static final int CREDIT_UPDATE_STEP = 128 * 1024;
    /** Largest payload we put in one packet; the receive side splits it further to fit guest buffers. */
    static final int MAX_PAYLOAD = 64 * 1024;

    private final VsockMuxer muxer;
    private final ConnectionKey key;
    State state;
    HostEndpoint endpoint;

    long peerBufAlloc;
    int peerFwdCnt;
    /** Bytes we sent to the guest. */
    int txCnt;
    /** Bytes the guest sent us, and how many of those the host side has consumed. */
    int rxCnt;
    int fwdCnt;
    /** The fwd_cnt the guest last heard from us. */
    int advertisedFwdCnt;
    boolean creditRequested;
    boolean hostShutSend;
    boolean guestShutSend;
    boolean guestShutReceive;

    Connection(VsockMuxer muxer, ConnectionKey key, State state) {
        this.muxer = muxer;
        this.key = key;
        this.state = state;
    }

    @Override
    public ConnectionKey key() {
        return key;
    }

    /** Bytes the guest still accepts: its buffer minus what we sent that it has not yet passed on. */
    long peerCredit() {
        long inFlight = Integer.toUnsignedLong(txCnt - peerFwdCnt);
        return Math.max(0, peerBufAlloc - inFlight);
    }

    /** Bytes of our buffer the guest may still fill. */
    long ourFreeSpace() {
        return BUF_ALLOC - Integer.toUnsignedLong(rxCnt - fwdCnt);
    }

    boolean canSendToGuest() {
        return state == State.ESTABLISHED && !hostShutSend && !guestShutReceive;
    }

    void updatePeerCredit(PacketHeader h) {
        peerBufAlloc = Integer.toUnsignedLong(h.bufAlloc());
        peerFwdCnt = h.fwdCnt();
        creditRequested = false;
    }

    @Override
    public int send(byte[] bytes, int off, int len) throws IOException {
        muxer.lock.lock();
        try {
            if (!canSendToGuest()) {
                throw new IOException("vsock stream " + key + " no longer carries data to the guest");
            }
            int n = (int) Math.min(Math.min(len, MAX_PAYLOAD), peerCredit());
            if (n == 0) {
                if (!creditRequested) {
                    creditRequested = true;
                    muxer.enqueue(muxer.packet(this, Op.CREDIT_REQUEST, 0, Packet.NO_PAYLOAD));
                }
                return 0;
            }
            byte[] payload = new byte[n];
            System.arraycopy(bytes, off, payload, 0, n);
            txCnt += n;
            muxer.enqueue(muxer.packet(this, Op.RW, 0, payload));
            return n;
        } finally {
            muxer.lock.unlock();
        }
    }

    @Override
    public void awaitCredit() throws InterruptedException {
        muxer.lock.lock();
        try {
            while (canSendToGuest() && peerCredit() == 0) {
                muxer.creditChanged.await();
            }
        } finally {
            muxer.lock.unlock();
        }
    }

    @Override
    public void consumed(int bytes) {
        muxer.lock.lock();
        try {
            fwdCnt += bytes;
            // Tell the guest before it can run dry: it stalls once its view of our free space reaches zero.
            if (state == State.ESTABLISHED && !guestShutSend
                    && Integer.toUnsignedLong(fwdCnt - advertisedFwdCnt) >= CREDIT_UPDATE_STEP) {
                muxer.enqueue(muxer.packet(this, Op.CREDIT_UPDATE, 0, Packet.NO_PAYLOAD));
            }
        } finally {
            muxer.lock.unlock();
        }
    }

    @Override
    public void shutdownSend() {
        muxer.lock.lock();
        try {
            if (state != State.ESTABLISHED || hostShutSend) {
                return;
            }
            hostShutSend = true;
            // Once both sides stopped sending, a full SHUTDOWN asks the guest to finish with RST.
            int flags = guestShutSend ? PacketHeader.SHUTDOWN_SEND | PacketHeader.SHUTDOWN_RCV
                    : PacketHeader.SHUTDOWN_SEND;
            muxer.enqueue(muxer.packet(this, Op.SHUTDOWN, flags, Packet.NO_PAYLOAD));
            muxer.creditChanged.signalAll();
        } finally {
            muxer.lock.unlock();
        }
    }

    @Override
    public void reset() {
        muxer.lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            muxer.enqueue(muxer.packet(this, Op.RST, 0, Packet.NO_PAYLOAD));
            muxer.finish(this);
        } finally {
            muxer.lock.unlock();
        }
    }
}
