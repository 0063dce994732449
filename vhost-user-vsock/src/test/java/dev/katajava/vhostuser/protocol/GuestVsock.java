package dev.katajava.vhostuser.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.vhostuser.virtqueue.GuestQueue;
import dev.katajava.vhostuser.vsock.Op;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.PacketHeader;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** Plays a guest's vsock driver on a device's queues, polling the used rings. */
public final class GuestVsock {
    public static final long HOST_CID = 2;
    public static final int BUF_ALLOC = 256 * 1024;
    private static final int RX_BUFFER = 4096;
    private static final long TIMEOUT_NANOS = 10_000_000_000L;

    private final GuestRings frontEnd;
    private final long cid;
    private final Set<Integer> txDone = new HashSet<>();
    private final ArrayDeque<Packet> received = new ArrayDeque<>();

    public GuestVsock(GuestRings frontEnd, long cid) {
        this.frontEnd = frontEnd;
        this.cid = cid;
    }

    public void postReceiveBuffers(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            frontEnd.rx().offerWritable(RX_BUFFER);
        }
        frontEnd.kick(0);
    }

    public void send(Op op, int srcPort, int dstPort, int flags, byte[] payload) throws Exception {
        send(op, srcPort, dstPort, flags, payload, 0);
    }

    /** Sends a packet advertising a 256 KiB buffer of which {@code fwdCnt} bytes were consumed so far. */
    public void send(Op op, int srcPort, int dstPort, int flags, byte[] payload, int fwdCnt) throws Exception {
        PacketHeader h = new PacketHeader(cid, HOST_CID, srcPort, dstPort, payload.length, PacketHeader.TYPE_STREAM,
                op.code(), flags, BUF_ALLOC, fwdCnt);
        int head = payload.length == 0 ? frontEnd.tx().offerReadable(h.encode())
                : frontEnd.tx().offerReadable(h.encode(), payload);
        frontEnd.kick(1);
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!txDone.remove(head)) {
            assertThat(System.nanoTime()).as("transmit chain %d returned", head).isLessThan(deadline);
            for (GuestQueue.Used u : frontEnd.tx().takeUsed()) {
                txDone.add(u.head());
            }
            Thread.sleep(1);
        }
    }

    public void send(Op op, int srcPort, int dstPort) throws Exception {
        send(op, srcPort, dstPort, 0, new byte[0]);
    }

    /** The next packet the device delivered; every buffer used is offered again. */
    public Packet receive() throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (received.isEmpty()) {
            assertThat(System.nanoTime()).as("a packet from the device").isLessThan(deadline);
            for (GuestQueue.Used u : frontEnd.rx().takeUsed()) {
                byte[] bytes = frontEnd.rx().written(u.head(), u.len());
                PacketHeader h = PacketHeader.decode(bytes);
                received.add(new Packet(h, Arrays.copyOfRange(bytes, PacketHeader.SIZE, u.len())));
                postReceiveBuffers(1);
            }
            Thread.sleep(1);
        }
        return received.poll();
    }

    /** The next packet, which must have {@code op}. */
    public Packet receive(Op op) throws Exception {
        Packet p = receive();
        assertThat(Op.of(p.header().op())).as("op of %s", p.header()).isEqualTo(op);
        return p;
    }
}
