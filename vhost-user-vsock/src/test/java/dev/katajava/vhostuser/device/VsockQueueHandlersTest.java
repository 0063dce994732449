package dev.katajava.vhostuser.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.vhostuser.virtqueue.GuestDriver;
import dev.katajava.vhostuser.virtqueue.GuestQueue;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;
import dev.katajava.vhostuser.vsock.GuestStream;
import dev.katajava.vhostuser.vsock.HostEndpoint;
import dev.katajava.vhostuser.vsock.Op;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.PacketHeader;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VsockQueueHandlersTest {
    private static final long CID = 3;
    private static final int GUEST_PORT = 4000;
    private static final int HOST_PORT = 1024;

    private final GuestDriver guest = new GuestDriver(4 << 20);
    private final GuestQueue rxGuest = guest.queue(16);
    private final GuestQueue txGuest = guest.queue(16);
    private final SplitVirtqueue rx = rxGuest.deviceView();
    private final SplitVirtqueue tx = txGuest.deviceView();
    private final ByteArrayOutputStream hostReceived = new ByteArrayOutputStream();
    private final List<String> hostEvents = new ArrayList<>();
    private final List<GuestStream> streams = new ArrayList<>();
    private final VsockMuxer muxer = new VsockMuxer(CID, (port, stream) -> {
        streams.add(stream);
        return port == HOST_PORT ? new Endpoint() : null;
    });
    private final TxQueueHandler txHandler = new TxQueueHandler(muxer);
    private final RxQueueHandler rxHandler = new RxQueueHandler(muxer);

    @AfterEach
    void release() {
        guest.close();
    }

    @Test
    void packetWithHeaderAndPayloadInSeparateDescriptorsIsDelivered() throws Exception {
        connect();
        int head = txGuest.offerReadable(header(Op.RW, 5), "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(txHandler.drain(tx)).isTrue();
        assertThat(txGuest.takeUsed()).containsExactly(new GuestQueue.Used(head, 0));
        assertThat(hostReceived.toString(StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void chainShorterThanAHeaderIsRejectedAndTheQueueKeepsWorking() throws Exception {
        connect();
        int bad = txGuest.offerReadable(new byte[43]);
        int good = txGuest.offerReadable(header(Op.RW, 2), "ok".getBytes(StandardCharsets.UTF_8));
        txHandler.drain(tx);
        assertThat(txGuest.takeUsed()).containsExactly(new GuestQueue.Used(bad, 0), new GuestQueue.Used(good, 0));
        assertThat(hostReceived.toString(StandardCharsets.UTF_8)).isEqualTo("ok");
    }

    @Test
    void lengthLargerThanThePayloadResetsTheStream() throws Exception {
        connect();
        int head = txGuest.offerReadable(header(Op.RW, 100), "short".getBytes(StandardCharsets.UTF_8));
        txHandler.drain(tx);
        assertThat(txGuest.takeUsed()).containsExactly(new GuestQueue.Used(head, 0));
        assertThat(hostReceived.size()).isZero();
        assertThat(hostEvents).endsWith("closed");
        assertThat(deliverOne(256).op()).isEqualTo(Op.RST.code());
    }

    @Test
    void writableBufferOnTheTransmitQueueIsRejected() throws Exception {
        int head = txGuest.offerWritable(64);
        txHandler.drain(tx);
        assertThat(txGuest.takeUsed()).containsExactly(new GuestQueue.Used(head, 0));
        assertThat(muxer.nextForGuest()).isNull();
    }

    @Test
    void chainOutsideGuestMemoryIsReturnedEmptyAndLaterChainsStillServed() throws Exception {
        connect();
        txGuest.setDescriptor(15, 0x1, 64, 0, 0);
        txGuest.publish(15);
        int good = txGuest.offerReadable(header(Op.RW, 1), "x".getBytes(StandardCharsets.UTF_8));
        txHandler.drain(tx);
        assertThat(txGuest.takeUsed()).containsExactly(new GuestQueue.Used(15, 0), new GuestQueue.Used(good, 0));
        assertThat(hostReceived.toString(StandardCharsets.UTF_8)).isEqualTo("x");
    }

    @Test
    void payloadLargerThanTheGuestBufferIsSplitAcrossBuffers() throws Exception {
        connect();
        byte[] data = new byte[10_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        assertThat(streams.getFirst().send(data, 0, data.length)).isEqualTo(data.length);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            int head = rxGuest.offerWritable(PacketHeader.SIZE, 4096);
            rxHandler.fill(rx);
            GuestQueue.Used used = rxGuest.takeUsed().getFirst();
            assertThat(used.head()).isEqualTo(head);
            byte[] written = rxGuest.written(head, used.len());
            PacketHeader h = PacketHeader.decode(written);
            assertThat(h.op()).isEqualTo(Op.RW.code());
            assertThat(h.len()).isEqualTo(used.len() - PacketHeader.SIZE);
            got.writeBytes(Arrays.copyOfRange(written, PacketHeader.SIZE, used.len()));
        }
        assertThat(got.toByteArray()).isEqualTo(data);
    }

    @Test
    void receiveChainWithAReadableBufferIsReturnedEmptyAndThePacketWaitsForAGoodOne() throws Exception {
        muxer.fromGuest(new Packet(PacketHeader.decode(header(Op.RW, 0)),
                Packet.NO_PAYLOAD));
        int bad = rxGuest.offerReadable(new byte[64]);
        int tooSmall = rxGuest.offerWritable(40);
        assertThat(rxHandler.fill(rx)).isTrue();
        assertThat(rxGuest.takeUsed()).containsExactly(new GuestQueue.Used(bad, 0), new GuestQueue.Used(tooSmall, 0));
        assertThat(deliverOne(128).op()).isEqualTo(Op.RST.code());
    }

    @Test
    void packetsWaitWhileTheGuestHasNoReceiveBuffers() throws Exception {
        muxer.fromGuest(new Packet(PacketHeader.decode(header(Op.REQUEST, 0)).withLen(0),
                Packet.NO_PAYLOAD));
        assertThat(rxHandler.fill(rx)).isFalse();
        assertThat(deliverOne(64).op()).isEqualTo(Op.RESPONSE.code());
    }

    private void connect() throws Exception {
        txGuest.offerReadable(header(Op.REQUEST, 0));
        txHandler.drain(tx);
        txGuest.takeUsed();
        assertThat(deliverOne(256).op()).isEqualTo(Op.RESPONSE.code());
        assertThat(hostEvents).containsExactly("connected");
    }

    private PacketHeader deliverOne(int bufferSize) throws Exception {
        int head = rxGuest.offerWritable(bufferSize);
        rxHandler.fill(rx);
        List<GuestQueue.Used> used = rxGuest.takeUsed();
        assertThat(used).hasSize(1);
        assertThat(used.getFirst().head()).isEqualTo(head);
        return PacketHeader.decode(rxGuest.written(head, used.getFirst().len()));
    }

    private static byte[] header(Op op, int len) {
        return new PacketHeader(CID, VsockMuxer.HOST_CID, GUEST_PORT, HOST_PORT, len, PacketHeader.TYPE_STREAM,
                op.code(), 0, 65536, 0).encode();
    }

    private final class Endpoint implements HostEndpoint {
        @Override
        public void connected(GuestStream stream) {
            hostEvents.add("connected");
        }

        @Override
        public void refused() {
            hostEvents.add("refused");
        }

        @Override
        public void data(byte[] bytes) {
            hostReceived.writeBytes(bytes);
        }

        @Override
        public void guestStoppedSending() {
            hostEvents.add("guestStoppedSending");
        }

        @Override
        public void closed() {
            hostEvents.add("closed");
        }
    }
}
