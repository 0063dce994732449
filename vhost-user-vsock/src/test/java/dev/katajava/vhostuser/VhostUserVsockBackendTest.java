package dev.katajava.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.UnixSockets;
import dev.katajava.vhostuser.protocol.FakeFrontEnd;
import dev.katajava.vhostuser.protocol.GuestVsock;
import dev.katajava.vhostuser.vsock.Op;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.PacketHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VhostUserVsockBackendTest {
    private static final long CID = 3;

    @TempDir
    Path dir;
    private Path vhostSocket;
    private Path hybridSocket;
    private VhostUserVsockBackend backend;
    private FakeFrontEnd frontEnd;
    private GuestVsock guest;
    /** The guest's fwd_cnt as last told to the host. */
    private int lastGrant;

    @BeforeEach
    void start() throws Exception {
        vhostSocket = dir.resolve("vhost.sock");
        hybridSocket = dir.resolve("vsock.sock");
        backend = VhostUserVsockBackend.start(vhostSocket, hybridSocket, CID);
        frontEnd = new FakeFrontEnd(UnixSockets.connect(vhostSocket));
        frontEnd.setUpDevice();
        guest = new GuestVsock(frontEnd, CID);
        guest.postReceiveBuffers(32);
    }

    @AfterEach
    void stop() throws Exception {
        backend.close();
        frontEnd.close();
        assertThat(vhostSocket).doesNotExist();
        assertThat(hybridSocket).doesNotExist();
    }

    @Test
    void hostClientReachesAGuestPortAndBytesFlowBothWays() throws Exception {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
            write(client, "CONNECT 1024\n");
            PacketHeader request = guest.receive(Op.REQUEST).header();
            assertThat(request.dstPort()).isEqualTo(1024);
            assertThat(request.dstCid()).isEqualTo(CID);
            int hostPort = request.srcPort();
            guest.send(Op.RESPONSE, 1024, hostPort);
            assertThat(readLine(client)).isEqualTo("OK " + Integer.toUnsignedString(hostPort));

            write(client, "hello");
            assertThat(guest.receive(Op.RW).payload()).asString().isEqualTo("hello");
            guest.send(Op.RW, 1024, hostPort, 0, "world".getBytes(StandardCharsets.UTF_8));
            assertThat(read(client, 5)).isEqualTo("world");

            client.shutdownOutput();
            Packet shutdown = guest.receive(Op.SHUTDOWN);
            assertThat(shutdown.header().flags()).isEqualTo(PacketHeader.SHUTDOWN_SEND);
            guest.send(Op.SHUTDOWN, 1024, hostPort, PacketHeader.SHUTDOWN_SEND | PacketHeader.SHUTDOWN_RCV,
                    new byte[0]);
            guest.receive(Op.RST);
            assertThat(client.read(ByteBuffer.allocate(1))).as("client sees the end").isEqualTo(-1);
            assertThat(backend.streams()).isZero();
        }
    }

    @Test
    void megabytesFlowBothWaysWithinEachSidesCredit() throws Exception {
        int total = 1 << 20;
        byte[] fromHost = pattern(total, 7);
        byte[] fromGuest = pattern(total, 13);
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
            write(client, "CONNECT 1024\n");
            int hostPort = guest.receive(Op.REQUEST).header().srcPort();
            guest.send(Op.RESPONSE, 1024, hostPort);
            readLine(client);

            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    writeFully(client, fromHost);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            ByteBuffer toHost = ByteBuffer.allocate(total);
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    while (toHost.hasRemaining() && client.read(toHost) >= 0) {
                        Thread.onSpinWait();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });

            // Play the guest: consume what the host sends (granting credit back) and send our bytes only while the
            // host's advertised buffer has room.
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int sent = 0;
            long hostBufAlloc = 0;
            int hostFwdCnt = 0;
            while (received.size() < total || sent < total) {
                if (sent < total) {
                    long room = hostBufAlloc - (sent - hostFwdCnt);
                    int chunk = (int) Math.min(Math.min(room, 32 * 1024), total - sent);
                    if (chunk > 0) {
                        guest.send(Op.RW, 1024, hostPort, 0, Arrays.copyOfRange(fromGuest, sent, sent + chunk),
                                received.size());
                        sent += chunk;
                        continue;
                    }
                }
                Packet p = guest.receive();
                PacketHeader h = p.header();
                hostBufAlloc = Integer.toUnsignedLong(h.bufAlloc());
                hostFwdCnt = h.fwdCnt();
                if (Op.of(h.op()) == Op.RW) {
                    assertThat(received.size() + p.payload().length)
                            .as("host stays within the credit the guest granted")
                            .isLessThanOrEqualTo(lastGrant + GuestVsock.BUF_ALLOC);
                    received.writeBytes(p.payload());
                    if (received.size() - lastGrant >= 64 * 1024) {
                        lastGrant = received.size();
                        guest.send(Op.CREDIT_UPDATE, 1024, hostPort, 0, new byte[0], lastGrant);
                    }
                }
            }
            writer.join(10_000);
            reader.join(10_000);
            assertThat(received.toByteArray()).isEqualTo(fromHost);
            assertThat(toHost.array()).isEqualTo(fromGuest);
        }
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * seed + (i >>> 9));
        }
        return b;
    }

    @Test
    void guestRefusalClosesTheClientWithoutOk() throws Exception {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
            write(client, "CONNECT 4000\n");
            PacketHeader request = guest.receive(Op.REQUEST).header();
            guest.send(Op.RST, 4000, request.srcPort());
            assertThat(client.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        }
    }

    @Test
    void malformedConnectLineClosesTheClient() throws Exception {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
            write(client, "OPEN sesame\n");
            assertThat(client.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        }
    }

    @Test
    void guestConnectionReachesTheServiceListeningAtThePortSocket() throws Exception {
        try (ServerSocketChannel service = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            service.bind(UnixDomainSocketAddress.of(dir.resolve("vsock.sock_1024")));
            guest.send(Op.REQUEST, 6000, 1024);
            guest.receive(Op.RESPONSE);
            try (SocketChannel conn = service.accept()) {
                guest.send(Op.RW, 6000, 1024, 0, "hi".getBytes(StandardCharsets.UTF_8));
                assertThat(read(conn, 2)).isEqualTo("hi");
                write(conn, "yo");
                assertThat(guest.receive(Op.RW).payload()).asString().isEqualTo("yo");
            }
            assertThat(guest.receive(Op.SHUTDOWN).header().flags() & PacketHeader.SHUTDOWN_SEND).isNotZero();
            guest.send(Op.RST, 6000, 1024);
            assertThat(backend.streams()).isZero();
        }
    }

    @Test
    void guestConnectionToAPortWithoutServiceIsReset() throws Exception {
        guest.send(Op.REQUEST, 6001, 1025);
        assertThat(guest.receive(Op.RST).header().srcPort()).isEqualTo(1025);
    }

    @Test
    void manyConcurrentHostStreamsAreEchoedIntact() throws Exception {
        int clients = 24;
        int bytesEach = 12_000;
        AtomicBoolean done = new AtomicBoolean();
        Thread echoGuest = Thread.ofPlatform().start(() -> echo(done));
        List<Thread> threads = new ArrayList<>();
        Map<Integer, String> failures = new ConcurrentHashMap<>();
        for (int i = 0; i < clients; i++) {
            int n = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
                    write(client, "CONNECT " + (2000 + n) + "\n");
                    assertThat(readLine(client)).startsWith("OK ");
                    byte[] data = new byte[bytesEach];
                    Arrays.fill(data, (byte) n);
                    writeFully(client, data);
                    ByteBuffer back = ByteBuffer.allocate(bytesEach);
                    while (back.hasRemaining()) {
                        if (client.read(back) < 0) {
                            throw new IOException("closed after " + back.position() + " bytes");
                        }
                    }
                    assertThat(back.array()).isEqualTo(data);
                } catch (Throwable t) {
                    failures.put(n, String.valueOf(t));
                }
            }));
        }
        for (Thread t : threads) {
            t.join(30_000);
            assertThat(t.isAlive()).as("client finished").isFalse();
        }
        done.set(true);
        echoGuest.join(15_000);
        assertThat(failures).isEmpty();
    }

    @Test
    void frontEndDisconnectShutsTheBackendDown() throws Exception {
        UnixSockets.shutdown(frontEnd.socket(), UnixSockets.SHUT_RDWR);
        assertThat(backend.awaitFrontEndGone(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(hybridSocket)).isFalse();
        assertThatThrownBy(() -> SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket)))
                .isInstanceOf(IOException.class);
        assertThat(backend.requestsSeen()).startsWith("GET_FEATURES", "SET_OWNER", "GET_PROTOCOL_FEATURES");
    }

    /** A guest application that accepts every connection and echoes what it receives. */
    private void echo(AtomicBoolean done) {
        try {
            while (!done.get()) {
                Packet p;
                try {
                    p = guest.receive();
                } catch (AssertionError timeout) {
                    continue;
                }
                PacketHeader h = p.header();
                Op op = Op.of(h.op());
                if (op == Op.REQUEST) {
                    guest.send(Op.RESPONSE, /* srcPort= */ h.dstPort(), /* dstPort= */ h.srcPort());
                } else if (op == Op.RW) {
                    guest.send(Op.RW, /* srcPort= */ h.dstPort(), /* dstPort= */ h.srcPort(), 0, p.payload());
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(SocketChannel c, String s) throws IOException {
        writeFully(c, s.getBytes(StandardCharsets.US_ASCII));
    }

    /** A socket channel write may be partial even in blocking mode. */
    private static void writeFully(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("closed after " + b.position() + " bytes");
            }
        }
        return new String(b.array(), StandardCharsets.US_ASCII);
    }

    private static String readLine(SocketChannel c) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("closed before end of line: " + sb);
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
        }
    }
}
