package dev.katajava.vhostuser.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.EventFd;
import dev.katajava.linux.Fds;
import dev.katajava.linux.MemFd;
import dev.katajava.linux.UnixSockets;
import dev.katajava.vhostuser.device.VsockDevice;
import dev.katajava.vhostuser.vsock.GuestStream;
import dev.katajava.vhostuser.vsock.HostEndpoint;
import dev.katajava.vhostuser.vsock.Op;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class VhostUserSessionTest {
    private static final long CID = 7;

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream hostReceived = new ByteArrayOutputStream();
    private volatile GuestStream hostSide;
    private VsockMuxer muxer;
    private VsockDevice device;
    private Thread sessionThread;
    private int backendFd;
    private FakeFrontEnd frontEnd;

    @BeforeEach
    void startSession() throws Exception {
        int[] pair = UnixSockets.pair();
        backendFd = pair[1];
        muxer = new VsockMuxer(CID, (port, stream) -> port == 1024 ? new Endpoint() : null);
        device = new VsockDevice(muxer);
        VhostUserSession session = new VhostUserSession(new MessageChannel(backendFd), device, CID, seen::add);
        sessionThread = Thread.ofPlatform().start(() -> {
            try {
                session.run();
            } catch (Exception e) {
                seen.add("failed: " + e.getMessage());
            }
        });
        frontEnd = new FakeFrontEnd(pair[0]);
    }

    @AfterEach
    void stop() throws Exception {
        frontEnd.close();
        sessionThread.join(5000);
        device.close();
        Fds.close(backendFd);
    }

    @Test
    void featuresProtocolFeaturesAndGuestCidAreReported() throws Exception {
        assertThat(frontEnd.getU64(Request.GET_FEATURES)).isEqualTo((1L << 32) | (1L << 30));
        assertThat(frontEnd.getU64(Request.GET_PROTOCOL_FEATURES)).isEqualTo((1L << 3) | (1L << 9));
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64((1L << 3) | (1L << 9)));
        ByteBuffer request = ByteBuffer.allocate(12 + 8);
        request.order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(8).putInt(0);
        Message config = frontEnd.call(Request.GET_CONFIG, request.array(), new int[0], false, true);
        ByteBuffer body = config.body();
        assertThat(config.payload()).hasSize(20);
        assertThat(body.getInt()).isZero();
        assertThat(body.getInt()).isEqualTo(8);
        body.getInt();
        assertThat(body.getLong()).isEqualTo(CID);
    }

    @Test
    void configReadAtAnOffsetNearTwoToThe31ReturnsZerosAndTheSessionContinues() throws Exception {
        ByteBuffer request = ByteBuffer.allocate(12);
        request.order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE).putInt(4).putInt(0);
        Message config = frontEnd.call(Request.GET_CONFIG, request.array(), new int[0], false, true);
        assertThat(config.payload()).hasSize(16);
        assertThat(config.body().getInt(12)).isZero();
        assertThat(frontEnd.getU64(Request.GET_QUEUE_NUM)).isEqualTo(2);
    }

    @Test
    void unknownRequestIsRefusedAndTheSessionContinues() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        Message refused = new Message(99, Message.VERSION | Message.FLAG_NEED_REPLY, new byte[4], new int[0]);
        frontEnd.channel().write(refused);
        Message ack = frontEnd.channel().read();
        assertThat(ack.request()).isEqualTo(99);
        assertThat(ack.body().getLong()).isNotZero();
        assertThat(frontEnd.getU64(Request.GET_QUEUE_NUM)).isEqualTo(2);
        assertThat(seen).containsSubsequence("request 99", "GET_QUEUE_NUM");
    }

    @Test
    void featuresNeverOfferedAreRefused() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        assertThat(frontEnd.acked(Request.SET_FEATURES, Message.u64(1L << 28))).isNotZero();
        assertThat(frontEnd.acked(Request.SET_FEATURES, Message.u64((1L << 32) | (1L << 30)))).isZero();
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a dead session never answers
    void memoryRegionWhoseSizeOverflowsWithItsOffsetIsRefusedAndTheSessionContinues() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        int memFd = MemFd.create("huge-region", 4096);
        try {
            byte[] table = FakeFrontEnd.le(8 + 32).putInt(1).putInt(0).putLong(0).putLong(Long.MAX_VALUE - 100)
                    .putLong(0).putLong(4095).array();
            assertThat(frontEnd.acked(Request.SET_MEM_TABLE, table, memFd)).isNotZero();
        } finally {
            Fds.close(memFd);
        }
        assertThat(frontEnd.getU64(Request.GET_QUEUE_NUM)).isEqualTo(2);
    }

    @Test
    void memoryTableWithTooFewDescriptorsIsRefused() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        assertThat(frontEnd.acked(Request.SET_MEM_TABLE, frontEnd.memTable())).isNotZero();
    }

    @Test
    void loggingRequestsAreRefusedCleanly() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        int fd = EventFd.create(0, EventFd.EFD_CLOEXEC);
        assertThat(frontEnd.acked(Request.SET_LOG_FD, new byte[0], fd)).isNotZero();
        Fds.close(fd);
        assertThat(frontEnd.getU64(Request.GET_FEATURES)).isNotZero();
    }

    @Test
    void vringForTheEventQueueIsRefused() throws Exception {
        frontEnd.send(Request.SET_PROTOCOL_FEATURES, Message.u64(1L << 3));
        assertThat(frontEnd.acked(Request.SET_VRING_NUM, FakeFrontEnd.state(2, 64))).isNotZero();
    }

    @Test
    void guestPacketsFlowThroughTheRingsAfterSetup() throws Exception {
        frontEnd.setUpDevice();
        assertThat(device.running(0)).isTrue();
        assertThat(device.running(1)).isTrue();
        GuestVsock guest = new GuestVsock(frontEnd, CID);
        guest.postReceiveBuffers(4);

        guest.send(Op.REQUEST, 5555, 1024);
        Packet response = guest.receive(Op.RESPONSE);
        assertThat(response.header().dstPort()).isEqualTo(5555);
        assertThat(EventFd.read(frontEnd.call[0])).as("guest interrupted for the response").isPositive();

        guest.send(Op.RW, 5555, 1024, 0, "ping".getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (hostReceived.size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(hostReceived.toString(StandardCharsets.UTF_8)).isEqualTo("ping");
        assertThat(hostSide.send("pong".getBytes(StandardCharsets.UTF_8), 0, 4)).isEqualTo(4);
        assertThat(guest.receive(Op.RW).payload()).asString().isEqualTo("pong");

        guest.send(Op.RW, 5555, 9999, 0, "lost".getBytes(StandardCharsets.UTF_8));
        assertThat(guest.receive(Op.RST).header().srcPort()).isEqualTo(9999);
    }

    @Test
    void getVringBaseStopsTheQueueAndReportsItsProgress() throws Exception {
        frontEnd.setUpDevice();
        GuestVsock guest = new GuestVsock(frontEnd, CID);
        guest.send(Op.RST, 1, 1);
        guest.send(Op.RST, 1, 2);
        Message reply = frontEnd.call(Request.GET_VRING_BASE, FakeFrontEnd.state(1, 0), new int[0], false, true);
        ByteBuffer body = reply.body();
        assertThat(body.getInt()).isEqualTo(1);
        assertThat(body.getInt()).isEqualTo(2);
        assertThat(device.running(1)).isFalse();
    }

    @Test
    void frontEndDisconnectEndsTheSession() throws Exception {
        frontEnd.setUpDevice();
        UnixSockets.shutdown(frontEnd.socket(), UnixSockets.SHUT_RDWR);
        sessionThread.join(5000);
        assertThat(sessionThread.isAlive()).isFalse();
        assertThat(seen).noneMatch(s -> s.startsWith("failed"));
    }

    private final class Endpoint implements HostEndpoint {
        @Override
        public void connected(GuestStream stream) {
            hostSide = stream;
        }

        @Override
        public void refused() {
        }

        @Override
        public synchronized void data(byte[] bytes) {
            hostReceived.writeBytes(bytes);
        }

        @Override
        public void guestStoppedSending() {
        }

        @Override
        public void closed() {
        }
    }
}
