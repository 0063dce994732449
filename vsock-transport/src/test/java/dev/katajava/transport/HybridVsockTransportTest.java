package dev.katajava.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.ttrpc.ByteStream;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a stand-in hybrid-vsock socket that speaks the CONNECT/OK line protocol. */
class HybridVsockTransportTest {
    @TempDir
    Path dir;

    private static String readLine(SocketChannel c) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (c.read(one.clear()) > 0 && one.get(0) != '\n') {
            line.append((char) one.get(0));
        }
        return line.toString();
    }

    /** Refuses the first {@code refusals} connections as a guest not listening yet would, then echoes. */
    private Thread serve(ServerSocketChannel server, int refusals, List<String> requests) {
        return Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; ; i++) {
                    SocketChannel c = server.accept();
                    requests.add(readLine(c));
                    if (i < refusals) {
                        c.close();
                        continue;
                    }
                    // The first payload bytes travel in the same write as the answer: nothing may be lost.
                    c.write(ByteBuffer.wrap("OK 1073741824\nhello".getBytes(StandardCharsets.US_ASCII)));
                    ByteBuffer buf = ByteBuffer.allocate(64);
                    c.read(buf);
                    c.write(buf.flip());
                    c.close();
                    return;
                }
            } catch (IOException e) {
                // the server was closed
            }
        });
    }

    @Test
    void retriesWhileTheGuestRefusesThenCarriesBytesBothWays() throws Exception {
        Path socket = dir.resolve("kata.hvsock");
        List<String> requests = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread guest = serve(server, 2, requests);

            ByteStream stream = new HybridVsockTransport(socket, 1024).dial(Duration.ofSeconds(5));

            ByteBuffer greeting = ByteBuffer.allocate(5);
            while (greeting.hasRemaining()) {
                stream.read(greeting);
            }
            assertThat(new String(greeting.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
            stream.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer echo = ByteBuffer.allocate(4);
            while (echo.hasRemaining()) {
                stream.read(echo);
            }
            assertThat(new String(echo.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
            stream.close();
            guest.join();
        }
        assertThat(requests).containsExactly("CONNECT 1024", "CONNECT 1024", "CONNECT 1024");
    }

    @Test
    void aGuestThatNeverListensFailsTheDialNamingTheSocketAndPort() throws Exception {
        Path socket = dir.resolve("kata.hvsock");
        List<String> requests = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            serve(server, Integer.MAX_VALUE, requests);

            assertThatThrownBy(() -> new HybridVsockTransport(socket, 1024).dial(Duration.ofMillis(300)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(socket.toString())
                    .hasMessageContaining("refused port 1024");
        }
    }
}
