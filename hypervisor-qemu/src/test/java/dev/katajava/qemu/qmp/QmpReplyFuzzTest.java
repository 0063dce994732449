package dev.katajava.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.qemu.qapi.QmpCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The QMP peer (QEMU, or whatever answers on its socket) sends any lines: broken JSON, non-objects, replies
 * with wrong ids or wrong shapes, events. Each command must end with its reply, decoded into the generated
 * type, or with a {@link QmpException}; the client must close once, tell its close listener once, and deliver
 * only events as events. The peer ends each exchange with a valid reply, so a hang is a defect too.
 */
class QmpReplyFuzzTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}},"
            + " \"capabilities\": []}}";

    @FuzzTest(maxDuration = "10s")
    void anyPeerLinesEndEachCommandWithAReplyOrAQmpException(FuzzedDataProvider data) throws Exception {
        List<String> greeting = lines(data);
        List<List<String>> replies = List.of(lines(data), lines(data), lines(data));
        Path dir = Files.createTempDirectory("qmp-fuzz");
        Path socket = dir.resolve("qmp.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel clientEnd = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            try (SocketChannel peer = server.accept()) {
                Thread peerThread = Thread.ofVirtual().start(() -> servePeer(peer, greeting, replies));
                QmpClient client = QmpClient.over(clientEnd);
                List<JsonNode> events = new CopyOnWriteArrayList<>();
                AtomicInteger closes = new AtomicInteger();
                client.onEvent(events::add);
                client.onClose(closes::incrementAndGet);
                QmpCommands qmp = new QmpCommands(client);
                try {
                    client.negotiate(TIMEOUT);
                    qmp.queryStatus(TIMEOUT);
                    qmp.queryHotpluggableCpus(TIMEOUT);
                } catch (QmpException e) {
                    assertThat(e.getMessage()).isNotBlank();
                }
                client.close();
                peerThread.join();
                assertThat(client.isClosed()).isTrue();
                assertThat(closes.get()).isEqualTo(1);
                assertThat(events).allSatisfy(e -> assertThat(e.has("event")).isTrue());
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    private static List<String> lines(FuzzedDataProvider data) {
        String[] lines = data.consumeString(600).split("\n", -1);
        return List.of(lines).subList(0, Math.min(lines.length, 6));
    }

    /** Greets, then answers each request with the fuzzed lines followed by a well-formed reply to its id. */
    private static void servePeer(SocketChannel peer, List<String> greeting, List<List<String>> replies) {
        try {
            BufferedReader requests = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                    StandardCharsets.UTF_8));
            write(peer, greeting);
            write(peer, List.of(GREETING));
            for (List<String> reply : replies) {
                String request = requests.readLine();
                if (request == null) {
                    return;
                }
                String id = request.replaceFirst(".*\"id\":\"([0-9]+)\".*", "$1");
                write(peer, reply);
                write(peer, List.of("{\"return\": {}, \"id\": \"" + id + "\"}"));
            }
        } catch (IOException e) {
            // The client closed first; its side of the exchange is what is checked.
        }
    }

    private static void write(SocketChannel peer, List<String> lines) throws IOException {
        for (String line : lines) {
            ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                peer.write(b);
            }
        }
    }
}
