package dev.katajava.agent.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The port is stood in for by a regular file, which reads like a virtio-serial port without a host: end
 * of file until bytes arrive (here: are appended).
 */
class VirtioSerialChannelTest {
    @TempDir
    Path dir;
    Path port;
    VirtioSerialChannel channel;

    @BeforeEach
    void fakePort() throws IOException {
        Path ports = Files.createDirectories(dir.resolve("sys/vport2p1"));
        Files.writeString(ports.resolve("name"), "agent.channel.0\n");
        Files.createDirectories(dir.resolve("sys/vport2p2"));
        Files.writeString(dir.resolve("sys/vport2p2/name"), "other\n");
        port = dir.resolve("dev/vport2p1");
        Files.createDirectories(port.getParent());
        Files.createFile(port);
        channel = new VirtioSerialChannel("agent.channel.0", dir.resolve("sys"), dir.resolve("dev"));
    }

    private void hostSends(String text) throws IOException {
        Files.writeString(port, text, StandardOpenOption.APPEND);
    }

    private static String read(ByteStream s, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (s.read(buf) < 0) {
                break;
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }

    @Test
    void waitsForTheHostsFirstByteAndLosesNone() throws Exception {
        CompletableFuture<ByteStream> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return channel.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(accepted).isNotDone();

        hostSends("hello");

        ByteStream session = accepted.get(5, TimeUnit.SECONDS);
        assertThat(read(session, 5)).isEqualTo("hello");
    }

    @Test
    void anEndedConnectionRefusesLateRepliesAndTheNextOneStartsWithNewBytes() throws Exception {
        hostSends("ab");
        ByteStream first = channel.accept();
        assertThat(read(first, 2)).isEqualTo("ab");
        first.close();

        assertThat(first.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        assertThatThrownBy(() -> first.write(ByteBuffer.wrap(new byte[] {1})))
                .isInstanceOf(IOException.class).hasMessageContaining("has ended");

        hostSends("cd");
        ByteStream second = channel.accept();
        assertThat(read(second, 2)).isEqualTo("cd");
        second.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
        assertThat(Files.readString(port)).isEqualTo("abcdok");
    }

    @Test
    void aMissingPortIsReportedByName() {
        VirtioSerialChannel missing = new VirtioSerialChannel("agent.channel.9", dir.resolve("sys"), dir.resolve("dev"));
        assertThatThrownBy(missing::accept).isInstanceOf(IOException.class)
                .hasMessage("no virtio-serial port named agent.channel.9 under " + dir.resolve("sys"));
    }
}
