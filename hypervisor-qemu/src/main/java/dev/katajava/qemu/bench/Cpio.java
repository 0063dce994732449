package dev.katajava.qemu.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs: per entry a 110-byte
 * ASCII header ("070701" and thirteen 8-digit hex fields), the NUL-terminated name and the data, each
 * padded to 4 bytes; a "TRAILER!!!" entry ends it. Owner is root; no hard links.
 */
final class Cpio implements AutoCloseable {
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFCHR = 0020000;

    private final OutputStream out;
    private long written;
    private int nextInode = 1;

    Cpio(OutputStream out) {
        this.out = out;
    }

    void directory(String name, int perms) throws IOException {
        entry(name, S_IFDIR | perms, 2, new byte[0], 0, 0);
    }

    void file(String name, int perms, byte[] data) throws IOException {
        entry(name, S_IFREG | perms, 1, data, 0, 0);
    }

    void symlink(String name, String target) throws IOException {
        entry(name, S_IFLNK | 0777, 1, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    void charDevice(String name, int perms, int major, int minor) throws IOException {
        entry(name, S_IFCHR | perms, 1, new byte[0], major, minor);
    }

    private void entry(String name, int mode, int nlink, byte[] data, int rdevMajor, int rdevMinor)
            throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String header = "070701" + hex(nextInode++) + hex(mode) + hex(0) + hex(0) + hex(nlink) + hex(0)
                + hex(data.length) + hex(0) + hex(0) + hex(rdevMajor) + hex(rdevMinor) + hex(nameBytes.length)
                + hex(0);
        write(header.getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
        write(data);
        pad();
    }

    private static String hex(long value) {
        return String.format("%08x", value);
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            write(new byte[1]);
        }
    }

    /** Writes the trailer; the stream stays open. */
    @Override
    public void close() throws IOException {
        nextInode = 0;
        entry("TRAILER!!!", 0, 1, new byte[0], 0, 0);
        out.flush();
    }
}
