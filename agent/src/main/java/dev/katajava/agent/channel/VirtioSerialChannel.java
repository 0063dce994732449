package dev.katajava.agent.channel;

import dev.katajava.ttrpc.ByteStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A virtio-serial port found by name under /sys/class/virtio-ports.
 *
 * <p>The port is opened once and kept open for the life of the agent: closing it makes the guest kernel
 * discard whatever the host had already sent, so a close-and-reopen loop while waiting for the host could
 * swallow the runtime's first request. While no host is connected the port reads as end of file; a
 * connection is therefore recognised by its first byte, which the returned stream hands back first.
 *
 * <p>One descriptor serves both directions, read and written through separate channels (a FileChannel
 * serializes its own reads and writes, which would stall a write behind a blocked read).
 */
public final class VirtioSerialChannel implements AgentChannel {
    /** How often a port without a host is looked at again. */
    private static final long HOST_ABSENT_POLL_MS = 10;

    private final String name;
    private final Path ports;
    private final Path devices;
    private FileChannel in;
    private FileChannel out;

    public VirtioSerialChannel(String name) {
        this(name, Path.of("/sys/class/virtio-ports"), Path.of("/dev"));
    }

    /** A port listed under {@code ports} (sysfs layout) whose device node is in {@code devices}. */
    VirtioSerialChannel(String name, Path ports, Path devices) {
        this.name = name;
        this.ports = ports;
        this.devices = devices;
    }

    @Override
    public ByteStream accept() throws IOException {
        if (in == null) {
            RandomAccessFile port = new RandomAccessFile(find().toFile(), "rw");
            in = new FileInputStream(port.getFD()).getChannel();
            out = new FileOutputStream(port.getFD()).getChannel();
        }
        ByteBuffer first = ByteBuffer.allocate(1);
        while (in.read(first) <= 0) {
            try {
                Thread.sleep(HOST_ABSENT_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the host on " + describe(), e);
            }
        }
        return new Session(first.flip());
    }

    private Path find() throws IOException {
        if (Files.isDirectory(ports)) {
            try (DirectoryStream<Path> listed = Files.newDirectoryStream(ports)) {
                for (Path port : listed) {
                    Path nameFile = port.resolve("name");
                    if (Files.exists(nameFile)
                            && Files.readString(nameFile, StandardCharsets.US_ASCII).strip().equals(name)) {
                        return devices.resolve(port.getFileName().toString());
                    }
                }
            }
        }
        throw new IOException("no virtio-serial port named " + name + " under " + ports);
    }

    @Override
    public String describe() {
        return "virtio-serial:" + name;
    }

    /**
     * One host connection on the shared port. Ending it leaves the port open for the next one, and writes
     * from requests of an ended connection are refused rather than sent to whoever connects next. (A write
     * already blocked in the kernel when the host went away cannot be recalled: it completes on the next
     * connection, which a runtime sees as a reply to a stream id it does not know.)
     */
    private final class Session implements ByteStream {
        private final ByteBuffer pending;
        private volatile boolean ended;

        Session(ByteBuffer pending) {
            this.pending = pending;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (ended) {
                return -1;
            }
            synchronized (pending) {
                if (pending.hasRemaining()) {
                    int n = Math.min(pending.remaining(), dst.remaining());
                    dst.put(pending.slice(pending.position(), n));
                    pending.position(pending.position() + n);
                    return n;
                }
            }
            return in.read(dst);
        }

        @Override
        public void write(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                if (ended) {
                    throw new IOException(describe() + ": the connection this reply belongs to has ended");
                }
                out.write(src);
            }
        }

        @Override
        public void close() {
            ended = true;
        }
    }
}
