package dev.katajava.qemu.process;

import dev.katajava.logging.Log;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * With enable_debug, the guest's console (kernel, kata-init and the agent's log lines) copied into the
 * runtime's log, one event per line, as QEMU writes it to the console file.
 */
public final class ConsoleRelay {
    private static final Log LOG = Log.of("guest");
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int MAX_LINE = 4096;

    private final Path file;
    private final String sandboxId;
    private long position;
    private final StringBuilder partial = new StringBuilder();

    ConsoleRelay(Path file, String sandboxId) {
        this.file = file;
        this.sandboxId = sandboxId;
    }

    /** Follows {@code file} on a daemon thread until {@code running} turns false, then relays what is left. */
    public static void follow(Path file, String sandboxId, BooleanSupplier running) {
        ConsoleRelay relay = new ConsoleRelay(file, sandboxId);
        Thread.ofPlatform().daemon().name("console-" + sandboxId).start(() -> {
            try {
                while (running.getAsBoolean()) {
                    relay.poll();
                    Thread.sleep(POLL);
                }
                relay.poll();
                relay.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Logs every complete line written since the last poll. */
    void poll() {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (len < position) {
                position = 0; // the file was recreated for a new launch
            }
            if (len == position) {
                return;
            }
            byte[] buf = new byte[(int) Math.min(len - position, 1 << 20)];
            f.seek(position);
            f.readFully(buf);
            position += buf.length;
            for (char c : new String(buf, StandardCharsets.UTF_8).toCharArray()) {
                if (c == '\n' || partial.length() >= MAX_LINE) {
                    flush();
                    if (c == '\n') {
                        continue;
                    }
                }
                if (c != '\r') {
                    partial.append(c);
                }
            }
        } catch (IOException e) {
            // Not created yet, or gone with the run directory: nothing to relay now.
        }
    }

    void flush() {
        if (!partial.isEmpty()) {
            LOG.info("guest console", "sandbox", sandboxId, "line", partial.toString());
            partial.setLength(0);
        }
    }
}
