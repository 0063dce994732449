package dev.katajava.vhostuser.qtest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A client of QEMU's qtest protocol: one text command per line, answered by a line starting with OK or FAIL
 * (interrupt notices, "IRQ ...", are skipped). Lets a test act as guest software while no CPU runs.
 */
public final class Qtest implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(4096);
    private final StringBuilder pending = new StringBuilder();

    public Qtest(SocketChannel channel) {
        this.channel = channel;
    }

    public synchronized String command(String line) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        while (true) {
            String reply = readLine();
            if (reply.startsWith("OK")) {
                return reply.length() > 3 ? reply.substring(3) : "";
            }
            if (reply.startsWith("FAIL")) {
                throw new IOException("qtest '" + line + "' failed: " + reply);
            }
        }
    }

    public long inl(int port) throws IOException {
        return parse(command("inl 0x" + Integer.toHexString(port)));
    }

    public void outl(int port, long value) throws IOException {
        command("outl 0x" + Integer.toHexString(port) + " 0x" + Long.toHexString(value));
    }

    public long read(int width, long addr) throws IOException {
        return parse(command("read" + suffix(width) + " 0x" + Long.toHexString(addr)));
    }

    public void write(int width, long addr, long value) throws IOException {
        command("write" + suffix(width) + " 0x" + Long.toHexString(addr) + " 0x" + Long.toHexString(value));
    }

    private static String suffix(int width) {
        return switch (width) {
            case 1 -> "b";
            case 2 -> "w";
            case 4 -> "l";
            case 8 -> "q";
            default -> throw new IllegalArgumentException("access width " + width);
        };
    }

    private static long parse(String value) {
        String v = value.trim();
        return Long.parseUnsignedLong(v.startsWith("0x") ? v.substring(2) : v, 16);
    }

    private String readLine() throws IOException {
        while (true) {
            int nl = pending.indexOf("\n");
            if (nl >= 0) {
                String line = pending.substring(0, nl);
                pending.delete(0, nl + 1);
                return line;
            }
            in.clear();
            if (channel.read(in) < 0) {
                throw new IOException("qtest connection closed; partial reply: " + pending);
            }
            in.flip();
            pending.append(StandardCharsets.US_ASCII.decode(in));
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
