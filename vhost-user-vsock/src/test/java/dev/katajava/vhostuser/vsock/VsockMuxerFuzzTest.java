package dev.katajava.vhostuser.vsock;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.katajava.vhostuser.device.TxQueueHandler;
import dev.katajava.vhostuser.virtqueue.GuestDriver;
import dev.katajava.vhostuser.virtqueue.GuestQueue;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Random interleavings of guest packets (decoded from the transmit queue, as the device does) and host-side
 * calls. After every step each stream must be in a legal state, its credit figures within their bounds, and
 * everything queued for the guest a well-formed packet the credit allowed.
 */
class VsockMuxerFuzzTest {
    private static final long CID = 3;
    private static final int[] PORTS = {1024, 1025, 5000, 1 << 30};
    private static final int QUEUE_SIZE = 8;
    /** The multiplexer's cap on replies queued for a guest that takes none, plus what 64 host calls add. */
    private static final int MAX_QUEUED_CONTROL = 4096 + 2 * 64;

    @FuzzTest(maxDuration = "10s")
    void packetSequencesKeepStreamsLegalAndCreditBounded(FuzzedDataProvider data) throws Exception {
        List<Connection> streams = new ArrayList<>();
        VsockMuxer muxer = new VsockMuxer(CID, (port, stream) -> {
            if (port != 1024 && port != 1025) {
                return null;
            }
            streams.add((Connection) stream);
            return new Endpoint();
        });
        TxQueueHandler tx = new TxQueueHandler(muxer);
        Map<Connection, Long> sentToGuest = new HashMap<>();
        try (GuestDriver guest = new GuestDriver(1 << 20)) {
            GuestQueue queue = guest.queue(QUEUE_SIZE);
            SplitVirtqueue device = queue.deviceView();
            for (int step = 0; step < 64 && data.remainingBytes() > 0; step++) {
                switch (data.consumeInt(0, 6)) {
                    case 0, 1 -> {
                        queue.offerReadable(header(data), data.consumeBytes(data.consumeInt(0, 2048)));
                        tx.drain(device);
                        queue.takeUsed();
                    }
                    case 6 -> {
                        // A guest that floods one control packet while never taking anything from the queue.
                        Packet p = new Packet(PacketHeader.decode(header(data)).withLen(0), Packet.NO_PAYLOAD);
                        for (int i = data.consumeInt(0, 6000); i > 0; i--) {
                            muxer.fromGuest(p);
                        }
                    }
                    case 2 -> streams.add((Connection) muxer.connectToGuest(pick(data), new Endpoint()));
                    case 3 -> hostCall(data, streams, sentToGuest);
                    case 4 -> drainToGuest(muxer);
                    default -> muxer.malformedFromGuest(PacketHeader.decode(header(data)));
                }
                assertLegal(muxer, streams, sentToGuest);
            }
            drainToGuest(muxer);
            muxer.closeAll();
            assertThat(muxer.connectionCount()).isZero();
            assertThat(muxer.nextForGuest()).isNull();
        }
    }

    /** A header with addresses mostly right, so packets reach the state machine rather than the filter. */
    private static byte[] header(FuzzedDataProvider data) {
        boolean addressed = data.consumeInt(0, 7) != 0;
        return ByteBuffer.allocate(PacketHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(addressed ? CID : data.consumeLong())
                .putLong(addressed ? VsockMuxer.HOST_CID : data.consumeLong())
                .putInt(pick(data)).putInt(pick(data))
                .putInt(data.consumeBoolean() ? data.consumeInt(0, 2048) : data.consumeInt())
                .putShort((short) (addressed ? PacketHeader.TYPE_STREAM : data.consumeInt(0, 3)))
                .putShort((short) data.consumeInt(0, 8))
                .putInt(data.consumeInt(0, 3))
                .putInt(data.consumeBoolean() ? 64 * 1024 : data.consumeInt())
                .putInt(data.consumeBoolean() ? 0 : data.consumeInt())
                .array();
    }

    private static int pick(FuzzedDataProvider data) {
        return data.consumeBoolean() ? PORTS[data.consumeInt(0, PORTS.length - 1)] : data.consumeInt();
    }

    private static void hostCall(FuzzedDataProvider data, List<Connection> streams, Map<Connection, Long> sent) {
        if (streams.isEmpty()) {
            return;
        }
        Connection c = streams.get(data.consumeInt(0, streams.size() - 1));
        Endpoint e = (Endpoint) c.endpoint;
        switch (data.consumeInt(0, 3)) {
            case 0 -> {
                long credit = c.peerCredit();
                try {
                    int n = c.send(new byte[70_000], 0, data.consumeInt(0, 70_000));
                    assertThat((long) n).isBetween(0L, Math.min(credit, Connection.MAX_PAYLOAD));
                    sent.merge(c, (long) n, Long::sum);
                } catch (IOException refused) {
                    assertThat(refused.getMessage()).isNotBlank();
                }
            }
            case 1 -> {
                // The host side reports at most what it was given and has not reported yet.
                int n = (int) Math.min(e.unconsumed, data.consumeInt(0, 1 << 18));
                e.unconsumed -= n;
                c.consumed(n);
            }
            case 2 -> c.shutdownSend();
            default -> c.reset();
        }
    }

    private static void drainToGuest(VsockMuxer muxer) {
        int control = 0;
        for (Packet p = muxer.nextForGuest(); p != null; p = muxer.nextForGuest()) {
            PacketHeader h = p.header();
            if (h.op() != Op.RW.code()) {
                control++;
            }
            assertThat(h.srcCid()).isEqualTo(VsockMuxer.HOST_CID);
            assertThat(h.dstCid()).isEqualTo(CID);
            assertThat(h.type()).isEqualTo(PacketHeader.TYPE_STREAM);
            assertThat(Op.of(h.op())).isNotNull();
            assertThat(p.payload().length).isLessThanOrEqualTo(Connection.MAX_PAYLOAD);
            if (h.op() != Op.RW.code()) {
                assertThat(p.payload()).isEmpty();
            }
        }
        assertThat(control).as("control packets queued for a guest that took none").isLessThanOrEqualTo(MAX_QUEUED_CONTROL);
    }

    private static void assertLegal(VsockMuxer muxer, List<Connection> streams, Map<Connection, Long> sent) {
        long open = 0;
        for (Connection c : streams) {
            Endpoint e = (Endpoint) c.endpoint;
            if (c.state == Connection.State.CLOSED) {
                assertThat(e.ended).as("a closed stream's endpoint was told exactly once").isEqualTo(1);
            } else {
                open++;
                assertThat(e.ended).isZero();
            }
            assertThat(c.peerCredit()).isBetween(0L, c.peerBufAlloc);
            assertThat(c.peerBufAlloc).isBetween(0L, 0xFFFF_FFFFL);
            assertThat(c.ourFreeSpace()).isBetween(0L, (long) Connection.BUF_ALLOC);
            assertThat(Integer.toUnsignedLong(c.rxCnt - c.fwdCnt)).isEqualTo(e.unconsumed);
            assertThat(sent.getOrDefault(c, 0L)).isEqualTo(Integer.toUnsignedLong(c.txCnt));
            if (c.state == Connection.State.CONNECTING) {
                assertThat(e.connected).isZero();
            }
        }
        assertThat((long) muxer.connectionCount()).isEqualTo(open);
    }

    /** Counts what the multiplexer told it, to check each stream ends once and bytes add up. */
    private static final class Endpoint implements HostEndpoint {
        int connected;
        int ended;
        long unconsumed;

        @Override
        public void connected(GuestStream stream) {
            connected++;
        }

        @Override
        public void refused() {
            ended++;
        }

        @Override
        public void data(byte[] bytes) {
            unconsumed += bytes.length;
        }

        @Override
        public void guestStoppedSending() {
        }

        @Override
        public void closed() {
            ended++;
        }
    }
}
