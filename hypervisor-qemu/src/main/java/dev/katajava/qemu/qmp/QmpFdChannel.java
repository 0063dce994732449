package dev.katajava.qemu.qmp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.Poll;
import dev.katajava.linux.UnixSocketMessages;
import dev.katajava.linux.UnixSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A QMP monitor connection that can attach descriptors to a command ({@code getfd}). QEMU keeps descriptors
 * received this way per monitor, so the commands that use them by name ({@code netdev_add tap fd=...})
 * must go over this same connection. Synchronous: one command at a time, events skipped.
 */
public final class QmpFdChannel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 4096;

    private final int fd;
    private final Path socket;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean closed;

    private QmpFdChannel(int fd, Path socket) {
        this.fd = fd;
        this.socket = socket;
    }

    /** Connects to the monitor at {@code socket}, reads the greeting and negotiates capabilities. */
    public static QmpFdChannel connect(Path socket, Duration timeout) throws QmpException {
        int fd;
        try {
            fd = UnixSockets.connect(socket);
        } catch (ErrnoException e) {
            throw new QmpException("cannot connect to the QMP descriptor monitor " + socket + ": " + e.getMessage(), e);
        }
        QmpFdChannel c = new QmpFdChannel(fd, socket);
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            JsonNode hello = c.readLine(deadline);
            if (!hello.has("QMP")) {
                throw new QmpException("QMP descriptor monitor " + socket + " greeted with " + hello);
            }
            c.execute("qmp_capabilities", Map.of(), new int[0], Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            return c;
        } catch (QmpException e) {
            c.close();
            throw e;
        }
    }

    /** Runs {@code command} with {@code fds} attached (SCM_RIGHTS) and returns its {@code return} value. */
    public synchronized JsonNode execute(String command, Map<String, ?> arguments, int[] fds, Duration timeout)
            throws QmpException {
        if (closed) {
            throw new QmpException("QMP descriptor monitor " + socket + " is closed");
        }
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (!arguments.isEmpty()) {
            req.set("arguments", JSON.valueToTree(arguments));
        }
        byte[] line = (req + "\n").getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(line.length);
            MemorySegment.copy(line, 0, m, JAVA_BYTE, 0, line.length);
            UnixSocketMessages.send(fd, m, line.length, fds);
        } catch (ErrnoException e) {
            throw new QmpException(command + " on the QMP descriptor monitor: " + e.getMessage(), e);
        }
        while (true) {
            JsonNode reply = readLine(deadline);
            if (reply.has("return")) {
                return reply.get("return");
            }
            if (reply.has("error")) {
                JsonNode err = reply.get("error");
                throw QmpException.refused(command, err.path("class").asText(), err.path("desc").asText());
            }
        }
    }

    private JsonNode readLine(long deadline) throws QmpException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            while (true) {
                byte[] have = pending.toByteArray();
                for (int i = 0; i < have.length; i++) {
                    if (have[i] == '\n') {
                        pending.reset();
                        pending.write(have, i + 1, have.length - i - 1);
                        return JSON.readTree(new String(have, 0, i, StandardCharsets.UTF_8));
                    }
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || Poll.waitReadable(new int[] {fd}, (int) Math.min(left, Integer.MAX_VALUE)) == 0) {
                    throw new QmpException("QMP descriptor monitor " + socket + " did not answer in time");
                }
                int n = Fds.read(fd, buf, CHUNK);
                if (n == 0) {
                    throw new QmpException("QMP descriptor monitor " + socket + " closed the connection");
                }
                pending.write(buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        } catch (QmpException e) {
            throw e;
        } catch (IOException e) {
            throw new QmpException("reading the QMP descriptor monitor " + socket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Fds.close(fd);
        } catch (ErrnoException e) {
            // Gone either way.
        }
    }
}
