package dev.katajava.virtcontainers.hostsockets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim's end, with the test standing in for the guest: it connects where our vhost-user-vsock backend
 * delivers guest connections to host port 1030, as the backend does for each guest stream.
 */
class HostSocketRelayTest {
    @TempDir
    Path dir;
    private HostSocketRelay relay;
    private Path daemon;
    private ServerSocketChannel daemonServer;
    private final List<SocketChannel> daemonSide = new ArrayList<>();
    private final AtomicLong daemonWrote = new AtomicLong();
    private volatile String daemonMode = "echo";

    @BeforeEach
    void start() throws IOException {
        relay = HostSocketRelay.overHybridVsock(dir.resolve("kata.hvsock"));
        daemon = dir.resolve("daemon.sock");
        startDaemon();
    }

    private void startDaemon() throws IOException {
        daemonServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        daemonServer.bind(UnixDomainSocketAddress.of(daemon));
        ServerSocketChannel server = daemonServer;
        Thread.ofVirtual().start(() -> {
            while (true) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException e) {
                    return;
                }
                synchronized (daemonSide) {
                    daemonSide.add(c);
                }
                Thread.ofVirtual().start(() -> serve(c));
            }
        });
    }

    /** "echo": sends back what it got once the peer half-closed; "flood": writes until it cannot. */
    private void serve(SocketChannel c) {
        try (c) {
            if (daemonMode.equals("flood")) {
                ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                while (true) {
                    daemonWrote.addAndGet(c.write(b.clear()));
                }
            }
            byte[] got = readAll(c);
            c.write(ByteBuffer.wrap(("echo:" + new String(got, StandardCharsets.US_ASCII)).getBytes(
                    StandardCharsets.US_ASCII)));
        } catch (IOException ignored) {
            // Reset by the relay: the test looks at the guest side.
        }
    }

    @AfterEach
    void stop() throws IOException {
        relay.close();
        daemonServer.close();
    }

    private SocketChannel guestConnect(String token) throws IOException {
        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("kata.hvsock_1030")));
        c.write(ascii("HOSTSOCK " + token + "\n"));
        return c;
    }

    @Test
    void aGuestConnectionReachesTheHostSocketBothWaysWithHalfClose() throws Exception {
        String token = relay.register("c1", daemon, "/run/d.sock");
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).isEqualTo("OK");
            guest.write(ascii("ping"));
            guest.shutdownOutput();
            assertThat(new String(readAll(guest), StandardCharsets.US_ASCII)).isEqualTo("echo:ping");
        }
        awaitConnections(0);
    }

    @Test
    void anUnknownTokenAndAHostSocketThatIsGoneAreRefusedWithTheReason() throws Exception {
        try (SocketChannel guest = guestConnect("0123")) {
            assertThat(readLine(guest)).isEqualTo("ERR unknown socket token");
            assertThat(readAll(guest)).isEmpty();
        }
        String token = relay.register("c1", dir.resolve("nobody-listens.sock"), "/run/x.sock");
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).startsWith("ERR connect " + dir.resolve("nobody-listens.sock"));
            assertThat(readAll(guest)).isEmpty();
        }
    }

    @Test
    void aRestartedDaemonIsReachedByTheNextConnection() throws Exception {
        String token = relay.register("c1", daemon, "/run/d.sock");
        daemonServer.close();
        java.nio.file.Files.delete(daemon);
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).startsWith("ERR connect");
        }
        startDaemon();
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).isEqualTo("OK");
            guest.shutdownOutput();
            assertThat(new String(readAll(guest), StandardCharsets.US_ASCII)).isEqualTo("echo:");
        }
    }

    @Test
    void aGuestThatNeverReadsStopsTheDaemonsWritesWithinBoundedBuffers() throws Exception {
        daemonMode = "flood";
        String token = relay.register("c1", daemon, "/run/d.sock");
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).isEqualTo("OK");
            long last = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(300);
                long now = daemonWrote.get();
                if (now == last && now > 0) {
                    break;
                }
                last = now;
            }
            assertThat(daemonWrote.get()).isPositive().isLessThan(16L << 20).isEqualTo(last);
        }
    }

    @Test
    void releasingTheContainerClosesItsConnectionsAndForgetsItsTokens() throws Exception {
        String token = relay.register("c1", daemon, "/run/d.sock");
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).isEqualTo("OK");
            awaitConnections(1);
            relay.release("c1");
            assertThat(readAll(guest)).isEmpty();
        }
        awaitConnections(0);
        try (SocketChannel guest = guestConnect(token)) {
            assertThat(readLine(guest)).isEqualTo("ERR unknown socket token");
        }
    }

    @Test
    void closingTheRelayEndsEveryConnectionAndRemovesItsSocket() throws Exception {
        String token = relay.register("c1", daemon, "/run/d.sock");
        List<SocketChannel> guests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            SocketChannel g = guestConnect(token);
            assertThat(readLine(g)).isEqualTo("OK");
            guests.add(g);
        }
        awaitConnections(50);

        relay.close();

        for (SocketChannel g : guests) {
            assertThat(readAll(g)).isEmpty();
            g.close();
        }
        assertThat(relay.connections()).isZero();
        assertThat(dir.resolve("kata.hvsock_1030")).doesNotExist();
    }

    private void awaitConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (relay.connections() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(relay.connections()).isEqualTo(n);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (c.read(one.clear()) > 0 && one.get(0) != '\n') {
            line.append((char) one.get(0));
        }
        return line.toString();
    }

    private static byte[] readAll(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(4096);
        try {
            while (c.read(b.clear()) >= 0) {
                out.write(b.array(), 0, b.position());
            }
        } catch (IOException reset) {
            // A reset ends the stream as far as these tests care.
        }
        return out.toByteArray();
    }
}
