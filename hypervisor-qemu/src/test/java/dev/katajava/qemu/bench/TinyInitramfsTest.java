package dev.katajava.qemu.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyInitramfsTest {
    @TempDir
    Path dir;

    /** One parsed newc entry. */
    record Entry(int mode, int rdevMajor, int rdevMinor, byte[] data) {
    }

    /** Reads a newc archive independently of the writer, checking magic and 4-byte alignment. */
    static Map<String, Entry> parse(byte[] archive) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        int pos = 0;
        while (true) {
            assertThat(pos % 4).as("entry alignment").isZero();
            String header = new String(archive, pos, 110, StandardCharsets.US_ASCII);
            assertThat(header).startsWith("070701");
            int mode = field(header, 1);
            int size = field(header, 6);
            int rdevMajor = field(header, 9);
            int rdevMinor = field(header, 10);
            int nameSize = field(header, 11);
            String name = new String(archive, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(archive[pos + 110 + nameSize - 1]).as("name is NUL-terminated").isZero();
            int dataStart = align(pos + 110 + nameSize);
            if (name.equals("TRAILER!!!")) {
                assertThat(align(dataStart)).isEqualTo(archive.length);
                return entries;
            }
            byte[] data = java.util.Arrays.copyOfRange(archive, dataStart, dataStart + size);
            entries.put(name, new Entry(mode, rdevMajor, rdevMinor, data));
            pos = align(dataStart + size);
        }
    }

    private static int field(String header, int index) {
        return Integer.parseUnsignedInt(header.substring(6 + index * 8, 14 + index * 8), 16);
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    @Test
    void holdsBusyboxAConsoleDeviceAndAnInitThatPrintsTheMarkerAndPowersOff() throws Exception {
        Path busybox = Files.write(dir.resolve("busybox"), new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3});
        Path out = dir.resolve("tiny.cpio");
        TinyInitramfs.write(out, busybox, "boot-marker-42");
        Map<String, Entry> entries = parse(Files.readAllBytes(out));

        assertThat(entries).containsKeys("bin", "dev", "proc", "bin/sh", "bin/busybox", "dev/console", "init");
        assertThat(entries.get("bin/busybox").data()).isEqualTo(Files.readAllBytes(busybox));
        assertThat(entries.get("bin/busybox").mode()).isEqualTo(0100755);
        assertThat(new String(entries.get("bin/sh").data(), StandardCharsets.UTF_8)).isEqualTo("busybox");
        assertThat(entries.get("bin/sh").mode() & 0170000).isEqualTo(0120000);
        Entry console = entries.get("dev/console");
        assertThat(console.mode() & 0170000).isEqualTo(0020000);
        assertThat(console.rdevMajor()).isEqualTo(5);
        assertThat(console.rdevMinor()).isEqualTo(1);
        String init = new String(entries.get("init").data(), StandardCharsets.UTF_8);
        assertThat(entries.get("init").mode()).isEqualTo(0100755);
        assertThat(init).startsWith("#!/bin/busybox sh\n").contains("echo 'boot-marker-42'").contains("poweroff -f");
    }

    @Test
    void aMarkerThatWouldBreakTheScriptIsRefused() {
        assertThatThrownBy(() -> TinyInitramfs.write(dir.resolve("x.cpio"), dir.resolve("busybox"), "it's"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("it's");
    }
}
