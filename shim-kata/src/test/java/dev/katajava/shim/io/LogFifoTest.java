package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fifos;
import java.io.FileInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFifoTest {
    @TempDir
    Path dir;

    @Test
    void aFifoNobodyReadsIsNotOpenedRatherThanWaitedOn() throws Exception {
        Path log = dir.resolve("log");
        Fifos.mkfifo(log.toString(), 0600);
        long start = System.nanoTime();
        assertThat(LogFifo.open(log)).isNull();
        assertThat(LogFifo.openDescriptor(log)).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(LogFifo.open(dir.resolve("missing"))).isNull();
        assertThat(LogFifo.openDescriptor(dir.resolve("missing"))).isEqualTo(-1);
    }

    @Test
    void linesReachAReaderAndAFullPipeDropsInsteadOfBlocking() throws Exception {
        Path log = dir.resolve("log");
        Fifos.mkfifo(log.toString(), 0600);
        // The read end, opened in the background as containerd opens it.
        CompletableFuture<FileInputStream> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return new FileInputStream(log.toFile());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        OutputStream out = null;
        for (int i = 0; i < 200 && out == null; i++) {
            out = LogFifo.open(log);
            Thread.sleep(10);
        }
        assertThat(out).as("opened once a reader is there").isNotNull();
        try (FileInputStream in = reader.get(5, TimeUnit.SECONDS); OutputStream o = out) {
            o.write("line one\n".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(in.readNBytes(9), StandardCharsets.UTF_8)).isEqualTo("line one\n");
            long start = System.nanoTime();
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 32; i++) {
                o.write(chunk);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("2 MiB into an unread pipe")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }
}
