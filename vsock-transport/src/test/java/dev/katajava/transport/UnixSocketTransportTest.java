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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTransportTest {
    @TempDir
    Path dir;

    @Test
    void dialWaitsForTheSocketToAppear() throws Exception {
        Path path = dir.resolve("agent.sock");
        UnixSocketTransport transport = new UnixSocketTransport(path);
        CompletableFuture<ByteStream> dialed = CompletableFuture.supplyAsync(() -> {
            try {
                return transport.dial(Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (SocketChannel peer = server.accept(); ByteStream stream = dialed.get()) {
                stream.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer got = ByteBuffer.allocate(4);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
            }
        }
    }

    @Test
    void dialGivesUpAfterTheTimeoutNamingTheEndpoint() {
        UnixSocketTransport transport = new UnixSocketTransport(dir.resolve("missing.sock"));
        assertThatThrownBy(() -> transport.dial(Duration.ofMillis(100)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing.sock")
                .hasMessageContaining("within");
    }
}
