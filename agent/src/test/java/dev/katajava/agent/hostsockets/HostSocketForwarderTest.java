package dev.katajava.agent.hostsockets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSocketMessages;
import dev.katajava.linux.UnixSockets;
import dev.katajava.protocols.agent.HostSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest's stand-in sockets against a fake runtime on a Unix socket in place of the host's vsock port. */
class HostSocketForwarderTest {
    @TempDir
    Path dir;
    private ServerSocketChannel runtime;
    private HostSocketForwarder forwarder;
    private final AtomicInteger runtimeConnections = new AtomicInteger();

    @BeforeEach
    void startFakeRuntime() throws IOException {
        Path path = dir.resolve("runtime.sock");
        runtime = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        runtime.bind(UnixDomainSocketAddress.of(path));
        Thread.ofVirtual().start(this::acceptLoop);
        forwarder = new HostSocketForwarder(dir.resolve("guest"), port -> () -> UnixSockets.connect(path));
    }

    @AfterEach
    void stop() throws IOException {
        forwarder.releaseAll();
        runtime.close();
    }

    /** Answers OK to token "echo" (then sends back "echo:" and all it got, once the guest half-closed), ERR otherwise. */
    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = runtime.accept();
            } catch (IOException e) {
                return;
            }
            runtimeConnections.incrementAndGet();
            Thread.ofVirtual().start(() -> {
                try (c) {
                    String header = readLine(c);
                    if (!header.equals("HOSTSOCK echo")) {
                        c.write(ascii("ERR no such socket\n"));
                        return;
                    }
                    c.write(ascii("OK\n"));
                    byte[] got = readAll(c);
                    c.write(ascii("echo:"));
                    c.write(ByteBuffer.wrap(got));
                } catch (IOException ignored) {
                    // The guest side reset the connection: the test checks that side.
                }
            });
        }
    }

    private Path forward(String token, int mode) throws IOException {
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        int gid = (Integer) Files.getAttribute(dir, "unix:gid");
        List<Path> paths = forwarder.forward("c1", 1030, List.of(HostSocket.newBuilder().setToken(token)
                .setContainerPath("/run/x.sock").setUid(uid).setGid(gid).setMode(mode).build()));
        assertThat(paths).hasSize(1);
        return paths.getFirst();
    }

    @Test
    void theStandInHasTheHostSocketsModeAndRelaysBothWaysWithHalfClose() throws Exception {
        Path guest = forward("echo", 0640);

        assertThat((Integer) Files.getAttribute(guest, "unix:mode") & 0170000).isEqualTo(0140000);
        assertThat((Integer) Files.getAttribute(guest, "unix:mode") & 07777).isEqualTo(0640);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(guest))) {
            c.write(ascii("hello"));
            c.shutdownOutput();
            assertThat(new String(readAll(c), StandardCharsets.US_ASCII)).isEqualTo("echo:hello");
        }
    }

    @Test
    void aConnectionTheRuntimeRefusesIsClosedAtOnce() throws Exception {
        Path guest = forward("unknown", 0600);

        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(guest))) {
            assertThat(readAll(c)).isEmpty();
        }
    }

    @Test
    void passingDescriptorsResetsTheConnectionAndClosesThem() throws Exception {
        Path guest = forward("echo", 0600);
        int client = UnixSockets.connect(guest);
        int[] pipe = UnixSockets.pair();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocateFrom(JAVA_BYTE, (byte) 'x');
            UnixSocketMessages.send(client, payload, 1, new int[] {pipe[0]});
            MemorySegment buf = arena.allocate(64);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int n;
            try {
                n = Fds.read(client, buf, 64);
            } catch (IOException reset) {
                n = 0;
            }
            assertThat(n).isZero();
            assertThat(System.nanoTime()).isLessThan(deadline);
        } finally {
            Fds.close(client);
            Fds.close(pipe[0]);
            Fds.close(pipe[1]);
        }
        awaitNoConnections();
    }

    @Test
    void fiftyConnectionsAtOnceAllGetTheirAnswer() throws Exception {
        Path guest = forward("echo", 0600);
        List<SocketChannel> open = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(guest));
            c.write(ascii("n" + i));
            open.add(c);
        }
        for (int i = 0; i < 50; i++) {
            SocketChannel c = open.get(i);
            c.shutdownOutput();
            assertThat(new String(readAll(c), StandardCharsets.US_ASCII)).isEqualTo("echo:n" + i);
            c.close();
        }
        awaitNoConnections();
        assertThat(runtimeConnections.get()).isEqualTo(50);
    }

    @Test
    void releaseResetsOpenConnectionsRemovesTheSocketAndLeavesNoThread() throws Exception {
        awaitRelayThreads(0);
        Path guest = forward("echo", 0600);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(guest))) {
            c.write(ascii("pending"));
            awaitConnections(1);

            forwarder.release("c1");

            assertThat(readAll(c)).isEmpty();
        }
        assertThat(guest).doesNotExist();
        assertThat(guest.getParent()).doesNotExist();
        awaitNoConnections();
        awaitRelayThreads(0);
    }

    private static void awaitRelayThreads(long n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (relayThreads() != n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relayThreads()).isEqualTo(n);
    }

    private void awaitConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (forwarder.connections("c1") != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(forwarder.connections("c1")).isEqualTo(n);
    }

    private void awaitNoConnections() throws InterruptedException {
        awaitConnections(0);
    }

    private static long relayThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("host-socket")).count();
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
