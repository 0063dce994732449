package dev.katajava.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted QMP peer on a unix socket: sends the greeting QEMU 7.2 sends (unless told otherwise),
 * answers qmp_capabilities, and hands every other command to the test, which replies when it likes.
 */
final class FakeQmpServer implements AutoCloseable {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 19, \"minor\": 2, \"major\": 7},"
            + " \"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path socket;
    private final ServerSocketChannel server;
    private final String greeting;
    final LinkedBlockingQueue<JsonNode> commands = new LinkedBlockingQueue<>();
    private volatile SocketChannel peer;

    /** @param greeting the first line to send on accept, or null to send nothing */
    FakeQmpServer(Path socket, String greeting) throws IOException {
        this.socket = socket;
        this.greeting = greeting;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(this::serve);
    }

    FakeQmpServer(Path socket) throws IOException {
        this(socket, GREETING);
    }

    private void serve() {
        try {
            peer = server.accept();
            if (greeting != null) {
                send(greeting);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode cmd = JSON.readTree(line);
                if (cmd.path("execute").asText().equals("qmp_capabilities")) {
                    reply(cmd, "{}");
                } else {
                    commands.add(cmd);
                }
            }
        } catch (IOException ignored) {
            // Closed by the test.
        }
    }

    JsonNode nextCommand() throws InterruptedException {
        JsonNode cmd = commands.poll(5, TimeUnit.SECONDS);
        if (cmd == null) {
            throw new AssertionError("no command arrived within 5 s");
        }
        return cmd;
    }

    void reply(JsonNode cmd, String returnJson) throws IOException {
        send("{\"return\": " + returnJson + ", \"id\": " + cmd.get("id") + "}");
    }

    void error(JsonNode cmd, String errorClass, String desc) throws IOException {
        send("{\"error\": {\"class\": \"" + errorClass + "\", \"desc\": \"" + desc + "\"}, \"id\": " + cmd.get("id") + "}");
    }

    /** Writes one line as QEMU does (CRLF-terminated). */
    synchronized void send(String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            peer.write(b);
        }
    }

    /** Drops the connection, as QEMU does when it exits. */
    @Override
    public void close() throws IOException {
        SocketChannel p = peer;
        if (p != null) {
            p.close();
        }
        server.close();
    }
}
