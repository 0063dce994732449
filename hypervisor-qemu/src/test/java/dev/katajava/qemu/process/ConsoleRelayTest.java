package dev.katajava.qemu.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleRelayTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void restoreLog() {
        Log.configure(System.err, Level.INFO);
    }

    @Test
    void everyCompleteLineBecomesOneEventAndAPartialLineWaitsForItsEnd() throws Exception {
        Log.configure(out, Level.INFO);
        Path console = dir.resolve("console.log");
        Files.writeString(console, "[    0.000000] Linux version 6.1\r\nkata-init: loading mod");
        ConsoleRelay relay = new ConsoleRelay(console, "sb1");

        relay.poll();
        String first = out.toString(StandardCharsets.UTF_8);
        Files.writeString(console, "ules\nagent ready\n", StandardOpenOption.APPEND);
        relay.poll();
        String all = out.toString(StandardCharsets.UTF_8);

        assertThat(first.lines()).hasSize(1);
        assertThat(first).contains("Linux version 6.1").contains("sandbox=sb1").doesNotContain("\\r");
        assertThat(all.lines()).hasSize(3);
        assertThat(all).contains("kata-init: loading modules").contains("agent ready");
    }

    @Test
    void aMissingFileIsNotAnError() {
        Log.configure(out, Level.INFO);
        ConsoleRelay relay = new ConsoleRelay(dir.resolve("not-yet.log"), "sb1");

        relay.poll();
        relay.flush();

        assertThat(out.size()).isZero();
    }
}
