package dev.katajava.tests.support;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A daemon on a host Unix socket for the host socket tests. A connection's first line picks what it does:
 * {@code ECHO} sends the rest back; {@code GEN <n>} sends n bytes of seeded pseudo-random data (see {@link #generatedSha256}); {@code SINK}
 * answers the SHA-256 and length of everything after the line; {@code HOLD} answers only once
 * {@link #holdFor} connections are holding at once (60 s at most, then "alone"); {@code FLOOD} writes until
 * the peer stops reading, counting bytes in {@link #flooded}.
 */
public final class HostSocketServer implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile CountDownLatch holding;
    private final AtomicLong flooded = new AtomicLong();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger noRequest = new AtomicInteger();

    private HostSocketServer(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("test-daemon-accept").start(this::acceptLoop);
    }

    public static HostSocketServer start(Path path) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        return new HostSocketServer(path, server);
    }

    public Path path() {
        return path;
    }

    /** Makes the next {@code n} HOLD connections wait for each other. */
    public void holdFor(int n) {
        holding = new CountDownLatch(n);
    }

    public long flooded() {
        return flooded.get();
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connections closed because their request line did not arrive within a minute. */
    public int withoutRequest() {
        return noRequest.get();
    }

    /** The bytes {@code GEN n} sends, hashed: SHA-256 in hex. */
    public static String generatedSha256(long n) {
        MessageDigest sha = sha256();
        SplittableRandom random = new SplittableRandom(n);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (long left = n; left > 0; ) {
            fill(random, chunk, (int) Math.min(left, CHUNK));
            left -= chunk.remaining();
            sha.update(chunk);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void fill(SplittableRandom random, ByteBuffer chunk, int len) {
        chunk.clear();
        while (chunk.position() + 8 <= len) {
            chunk.putLong(random.nextLong());
        }
        while (chunk.position() < len) {
            chunk.put((byte) random.nextInt());
        }
        chunk.flip();
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            Thread.ofVirtual().name("test-daemon-conn").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        // A request line that never comes ends the connection rather than the test.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(60_000);
                noRequest.incrementAndGet();
                c.close();
            } catch (InterruptedException | IOException e) {
                // Answered in time, or already closed.
            }
        });
        try (c) {
            String line = readLine(c);
            watchdog.interrupt();
            if (line.equals("ECHO")) {
                ByteBuffer b = ByteBuffer.allocate(CHUNK);
                while (c.read(b) >= 0) {
                    b.flip();
                    writeAll(c, b);
                    b.clear();
                }
            } else if (line.startsWith("GEN ")) {
                long n = Long.parseLong(line.substring(4));
                SplittableRandom random = new SplittableRandom(n);
                ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
                for (long left = n; left > 0; ) {
                    fill(random, chunk, (int) Math.min(left, CHUNK));
                    left -= chunk.remaining();
                    writeAll(c, chunk);
                }
            } else if (line.equals("SINK")) {
                MessageDigest sha = sha256();
                ByteBuffer b = ByteBuffer.allocate(CHUNK);
                long total = 0;
                int n;
                while ((n = c.read(b)) >= 0) {
                    total += n;
                    b.flip();
                    sha.update(b);
                    b.clear();
                }
                writeAll(c, ascii(HexFormat.of().formatHex(sha.digest()) + " " + total + "\n"));
            } else if (line.equals("HOLD")) {
                CountDownLatch latch = holding;
                latch.countDown();
                boolean all = latch.await(60, TimeUnit.SECONDS);
                writeAll(c, ascii(all ? "held\n" : "alone\n"));
            } else if (line.equals("FLOOD")) {
                ByteBuffer b = ByteBuffer.allocate(CHUNK);
                while (true) {
                    b.clear();
                    int n = c.write(b);
                    flooded.addAndGet(n);
                }
            } else {
                writeAll(c, ascii("unknown request " + line + "\n"));
            }
        } catch (IOException | RuntimeException e) {
            // The peer went away: what the test checks is on its side.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (line.length() < 200) {
            one.clear();
            if (c.read(one) < 0) {
                break;
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                break;
            }
            line.append(ch);
        }
        return line.toString();
    }

    private static void writeAll(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops listening and removes the socket file; connections being served finish on their own. */
    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
