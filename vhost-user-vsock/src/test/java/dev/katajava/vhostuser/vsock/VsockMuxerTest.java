package dev.katajava.vhostuser.vsock;

import static dev.katajava.vhostuser.vsock.GuestPackets.control;
import static dev.katajava.vhostuser.vsock.GuestPackets.data;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VsockMuxerTest {
    private static final int GUEST_PORT = 5000;
    private static final int HOST_PORT = 1024;

    private final Map<Integer, RecordingEndpoint> listeners = new HashMap<>();
    private final Map<Integer, GuestStream> accepted = new HashMap<>();
    private final VsockMuxer muxer = new VsockMuxer(GuestPackets.CID, (port, stream) -> {
        RecordingEndpoint e = listeners.get(port);
        if (e != null) {
            accepted.put(port, stream);
        }
        return e;
    });

    @Test
    void dataForAnUnknownStreamIsAnsweredWithRst() {
        muxer.fromGuest(data(GUEST_PORT, 7777, new byte[] {1}));
        PacketHeader rst = single().header();
        assertThat(rst.op()).isEqualTo(Op.RST.code());
        assertThat(rst.srcCid()).isEqualTo(VsockMuxer.HOST_CID);
        assertThat(rst.dstCid()).isEqualTo(GuestPackets.CID);
        assertThat(rst.srcPort()).isEqualTo(7777);
        assertThat(rst.dstPort()).isEqualTo(GUEST_PORT);
    }

    @Test
    void rstForAnUnknownStreamIsNotAnswered() {
        muxer.fromGuest(control(Op.RST, GUEST_PORT, 7777));
        assertThat(muxer.nextForGuest()).isNull();
    }

    @Test
    void connectToAPortNobodyServesIsReset() {
        muxer.fromGuest(control(Op.REQUEST, GUEST_PORT, 9999));
        assertThat(single().header().op()).isEqualTo(Op.RST.code());
        assertThat(muxer.connectionCount()).isZero();
    }

    @Test
    void packetsWithForeignAddressesAreDropped() {
        Packet p = data(GUEST_PORT, HOST_PORT, new byte[0]);
        PacketHeader h = p.header();
        muxer.fromGuest(new Packet(new PacketHeader(9, 2, h.srcPort(), h.dstPort(), 0, 1, Op.REQUEST.code(), 0, 0, 0),
                Packet.NO_PAYLOAD));
        muxer.fromGuest(new Packet(new PacketHeader(3, 4, h.srcPort(), h.dstPort(), 0, 1, Op.REQUEST.code(), 0, 0, 0),
                Packet.NO_PAYLOAD));
        assertThat(muxer.nextForGuest()).isNull();
    }

    @Test
    void unknownOpOrTypeIsReset() {
        muxer.fromGuest(new Packet(new PacketHeader(3, 2, GUEST_PORT, HOST_PORT, 0, 1, 42, 0, 0, 0),
                Packet.NO_PAYLOAD));
        muxer.fromGuest(new Packet(new PacketHeader(3, 2, GUEST_PORT, HOST_PORT, 0, 2, 1, 0, 0, 0), Packet.NO_PAYLOAD));
        assertThat(muxer.nextForGuest().header().op()).isEqualTo(Op.RST.code());
        assertThat(muxer.nextForGuest().header().op()).isEqualTo(Op.RST.code());
    }

    @Test
    void guestConnectIsAnsweredAndBytesFlowBothWays() throws Exception {
        RecordingEndpoint endpoint = establish();
        muxer.fromGuest(data(GUEST_PORT, HOST_PORT, "ping".getBytes(StandardCharsets.UTF_8)));
        assertThat(endpoint.bytes()).asString().isEqualTo("ping");

        GuestStream stream = accepted.get(HOST_PORT);
        assertThat(stream.send("pong".getBytes(StandardCharsets.UTF_8), 0, 4)).isEqualTo(4);
        Packet out = single();
        assertThat(out.header().op()).isEqualTo(Op.RW.code());
        assertThat(out.payload()).asString().isEqualTo("pong");
        assertThat(out.header().srcPort()).isEqualTo(HOST_PORT);
        assertThat(out.header().dstPort()).isEqualTo(GUEST_PORT);
    }

    @Test
    void hostNeverSendsMoreThanTheGuestsCredit() throws Exception {
        listeners.put(HOST_PORT, new RecordingEndpoint());
        muxer.fromGuest(control(Op.REQUEST, GUEST_PORT, HOST_PORT, 0, 100, 0));
        single();
        GuestStream stream = accepted.get(HOST_PORT);

        assertThat(stream.send(new byte[150], 0, 150)).isEqualTo(100);
        assertThat(single().payload()).hasSize(100);
        assertThat(stream.send(new byte[50], 0, 50)).isZero();
        assertThat(single().header().op()).isEqualTo(Op.CREDIT_REQUEST.code());
        assertThat(stream.send(new byte[50], 0, 50)).isZero();
        assertThat(muxer.nextForGuest()).as("credit is requested once").isNull();

        muxer.fromGuest(control(Op.CREDIT_UPDATE, GUEST_PORT, HOST_PORT, 0, 100, 60));
        assertThat(stream.send(new byte[150], 0, 150)).isEqualTo(60);
    }

    @Test
    void awaitCreditReturnsWhenTheGuestGrantsMore() throws Exception {
        listeners.put(HOST_PORT, new RecordingEndpoint());
        muxer.fromGuest(control(Op.REQUEST, GUEST_PORT, HOST_PORT, 0, 10, 0));
        GuestStream stream = accepted.get(HOST_PORT);
        assertThat(stream.send(new byte[10], 0, 10)).isEqualTo(10);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                stream.awaitCredit();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(100);
        assertThat(waiter.isAlive()).isTrue();
        muxer.fromGuest(control(Op.CREDIT_UPDATE, GUEST_PORT, HOST_PORT, 0, 10, 10));
        waiter.join(5000);
        assertThat(waiter.isAlive()).isFalse();
    }

    @Test
    void guestOverrunningOurBufferIsReset() {
        RecordingEndpoint endpoint = establish();
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < Connection.BUF_ALLOC / chunk.length; i++) {
            muxer.fromGuest(data(GUEST_PORT, HOST_PORT, chunk));
        }
        assertThat(muxer.nextForGuest()).isNull();
        muxer.fromGuest(data(GUEST_PORT, HOST_PORT, new byte[1]));
        assertThat(single().header().op()).isEqualTo(Op.RST.code());
        assertThat(endpoint.events()).endsWith("closed");
        assertThat(muxer.connectionCount()).isZero();
    }

    @Test
    void consumingAnUpdateStepTellsTheGuest() {
        establish();
        GuestStream stream = accepted.get(HOST_PORT);
        for (int i = 0; i < 2; i++) {
            muxer.fromGuest(data(GUEST_PORT, HOST_PORT, new byte[64 * 1024]));
        }
        stream.consumed(Connection.CREDIT_UPDATE_STEP - 1);
        assertThat(muxer.nextForGuest()).isNull();
        stream.consumed(1);
        PacketHeader update = single().header();
        assertThat(update.op()).isEqualTo(Op.CREDIT_UPDATE.code());
        assertThat(update.fwdCnt()).isEqualTo(Connection.CREDIT_UPDATE_STEP);
        assertThat(update.bufAlloc()).isEqualTo(Connection.BUF_ALLOC);
    }

    @Test
    void creditRequestIsAnsweredWithOurCredit() {
        establish();
        muxer.fromGuest(control(Op.CREDIT_REQUEST, GUEST_PORT, HOST_PORT));
        assertThat(single().header().op()).isEqualTo(Op.CREDIT_UPDATE.code());
    }

    @Test
    void guestShuttingDownBothWaysIsCompletedWithRst() {
        RecordingEndpoint endpoint = establish();
        muxer.fromGuest(control(Op.SHUTDOWN, GUEST_PORT, HOST_PORT,
                PacketHeader.SHUTDOWN_RCV | PacketHeader.SHUTDOWN_SEND, 65536, 0));
        assertThat(single().header().op()).isEqualTo(Op.RST.code());
        assertThat(endpoint.events()).containsExactly("connected", "guestStoppedSending", "closed");
        assertThat(muxer.connectionCount()).isZero();
    }

    @Test
    void halfCloseByTheGuestLetsTheHostFinishSending() throws Exception {
        RecordingEndpoint endpoint = establish();
        muxer.fromGuest(control(Op.SHUTDOWN, GUEST_PORT, HOST_PORT, PacketHeader.SHUTDOWN_SEND, 65536, 0));
        assertThat(muxer.nextForGuest()).isNull();
        assertThat(endpoint.events()).containsExactly("connected", "guestStoppedSending");

        GuestStream stream = accepted.get(HOST_PORT);
        assertThat(stream.send("last".getBytes(StandardCharsets.UTF_8), 0, 4)).isEqualTo(4);
        stream.shutdownSend();
        assertThat(single().payload()).asString().isEqualTo("last");
        PacketHeader shutdown = single().header();
        assertThat(shutdown.op()).isEqualTo(Op.SHUTDOWN.code());
        assertThat(shutdown.flags()).isEqualTo(PacketHeader.SHUTDOWN_RCV | PacketHeader.SHUTDOWN_SEND);
        muxer.fromGuest(control(Op.RST, GUEST_PORT, HOST_PORT));
        assertThat(endpoint.events()).endsWith("closed");
        assertThat(muxer.connectionCount()).isZero();
    }

    @Test
    void dataAfterTheGuestStoppedSendingIsReset() {
        RecordingEndpoint endpoint = establish();
        muxer.fromGuest(control(Op.SHUTDOWN, GUEST_PORT, HOST_PORT, PacketHeader.SHUTDOWN_SEND, 65536, 0));
        muxer.fromGuest(data(GUEST_PORT, HOST_PORT, new byte[] {1}));
        assertThat(single().header().op()).isEqualTo(Op.RST.code());
        assertThat(endpoint.events()).endsWith("closed");
    }

    @Test
    void hostConnectIsAcceptedByTheGuestsResponse() {
        RecordingEndpoint endpoint = new RecordingEndpoint();
        GuestStream stream = muxer.connectToGuest(1024, endpoint);
        PacketHeader request = single().header();
        assertThat(request.op()).isEqualTo(Op.REQUEST.code());
        assertThat(request.dstPort()).isEqualTo(1024);
        assertThat(request.srcPort()).isEqualTo(stream.key().localPort());

        muxer.fromGuest(control(Op.RESPONSE, 1024, stream.key().localPort()));
        assertThat(endpoint.events()).containsExactly("connected");
    }

    @Test
    void dataBeforeTheGuestAnsweredOurRequestResetsTheStream() {
        RecordingEndpoint endpoint = new RecordingEndpoint();
        GuestStream stream = muxer.connectToGuest(1024, endpoint);
        single();
        muxer.fromGuest(data(1024, stream.key().localPort(), new byte[] {1}));
        assertThat(single().header().op()).isEqualTo(Op.RST.code());
        assertThat(endpoint.events()).containsExactly("closed");
        assertThat(endpoint.bytes()).isEmpty();
    }

    @Test
    void hostConnectRefusedByTheGuestIsReported() {
        RecordingEndpoint endpoint = new RecordingEndpoint();
        GuestStream stream = muxer.connectToGuest(1024, endpoint);
        single();
        muxer.fromGuest(control(Op.RST, 1024, stream.key().localPort()));
        assertThat(endpoint.events()).containsExactly("refused");
        assertThat(muxer.connectionCount()).isZero();
    }

    @Test
    void manyConcurrentStreamsKeepTheirBytesApart() throws Exception {
        int streams = 100;
        int bytesEach = 20_000;
        List<GuestStream> handles = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            RecordingEndpoint e = new RecordingEndpoint();
            GuestStream s = muxer.connectToGuest(2000 + i, e);
            handles.add(s);
            muxer.fromGuest(control(Op.RESPONSE, 2000 + i, s.key().localPort(), 0, 4096, 0));
        }
        while (muxer.nextForGuest() != null) {
            // Drop the REQUESTs.
        }
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            GuestStream s = handles.get(i);
            byte fill = (byte) i;
            senders.add(Thread.ofVirtual().start(() -> {
                byte[] data = new byte[bytesEach];
                java.util.Arrays.fill(data, fill);
                int off = 0;
                try {
                    while (off < data.length) {
                        int n = s.send(data, off, data.length - off);
                        off += n;
                        if (n == 0) {
                            s.awaitCredit();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        // Play the guest: take packets, check them, and hand credit back as if the application read them.
        Map<Integer, Integer> receivedByPort = new HashMap<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (receivedByPort.values().stream().mapToInt(Integer::intValue).sum() < streams * bytesEach
                && System.nanoTime() < deadline) {
            Packet p = muxer.nextForGuest();
            if (p == null) {
                Thread.onSpinWait();
                continue;
            }
            if (p.header().op() != Op.RW.code()) {
                continue;
            }
            int guestPort = p.header().dstPort();
            for (byte b : p.payload()) {
                assertThat(b).isEqualTo((byte) (guestPort - 2000));
            }
            int total = receivedByPort.merge(guestPort, p.payload().length, Integer::sum);
            muxer.fromGuest(control(Op.CREDIT_UPDATE, guestPort, p.header().srcPort(), 0, 4096, total));
        }
        for (Thread t : senders) {
            t.join(5000);
        }
        assertThat(receivedByPort).hasSize(streams).allSatisfy((port, n) -> assertThat(n).isEqualTo(bytesEach));
    }

    private RecordingEndpoint establish() {
        RecordingEndpoint endpoint = new RecordingEndpoint();
        listeners.put(HOST_PORT, endpoint);
        muxer.fromGuest(control(Op.REQUEST, GUEST_PORT, HOST_PORT));
        PacketHeader response = single().header();
        assertThat(response.op()).isEqualTo(Op.RESPONSE.code());
        assertThat(response.bufAlloc()).isEqualTo(Connection.BUF_ALLOC);
        assertThat(endpoint.events()).containsExactly("connected");
        return endpoint;
    }

    private Packet single() {
        Packet p = muxer.nextForGuest();
        assertThat(p).as("a packet for the guest").isNotNull();
        return p;
    }
}
