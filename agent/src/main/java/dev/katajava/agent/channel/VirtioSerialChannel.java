package dev.katajava.agent.channel;

import dev.katajava.ttrpc.ByteStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A virtio-serial port found by name under /sys/class/virtio-ports. The port can be open only once, so
 * one descriptor serves both directions, read and written through separate channels (a FileChannel
 * serializes its own reads and writes, which would stall a write behind a blocked read).
 */
public final class VirtioSerialChannel implements AgentChannel {
    private static final Path PORTS = Path.of("/sys/class/virtio-ports");

    private final String name;

    public VirtioSerialChannel(String name) {
        this.name = name;
    }

    @Override
    public ByteStream accept() throws IOException {
        Path device = find();
        RandomAccessFile file = new RandomAccessFile(device.toFile(), "rw");
        var in = new FileInputStream(file.getFD()).getChannel();
        var out = new FileOutputStream(file.getFD()).getChannel();
        return ByteStream.of(in, out, file);
    }

    private Path find() throws IOException {
        if (Files.isDirectory(PORTS)) {
            try (DirectoryStream<Path> ports = Files.newDirectoryStream(PORTS)) {
                for (Path port : ports) {
                    Path nameFile = port.resolve("name");
                    if (Files.exists(nameFile)
                            && Files.readString(nameFile, StandardCharsets.US_ASCII).strip().equals(name)) {
                        return Path.of("/dev", port.getFileName().toString());
                    }
                }
            }
        }
        throw new IOException("no virtio-serial port named " + name + " under " + PORTS);
    }

    @Override
    public String describe() {
        return "virtio-serial:" + name;
    }
}
