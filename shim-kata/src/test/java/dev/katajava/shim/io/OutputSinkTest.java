package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputSinkTest {
    @TempDir
    Path dir;

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("out");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void closeWaitsUntilTheReaderTookEverythingStillInThePipe() throws Exception {
        Path fifo = fifo();
        try (FileChannel reader = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            OutputSink sink = OutputSink.open(fifo.toString());
            sink.write(ByteBuffer.wrap("last words".getBytes(StandardCharsets.US_ASCII)));
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                try {
                    sink.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            assertThat(closed).isNotDone();
            ByteBuffer got = ByteBuffer.allocate(64);
            reader.read(got);
            assertThat(new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII)).isEqualTo("last words");
            closed.get(2, TimeUnit.SECONDS);
        }
    }

    @Test
    void fileUriAppendsToTheFile() throws Exception {
        Path log = dir.resolve("logs/c1.log");
        for (String line : new String[] {"a\n", "b\n"}) {
            OutputSink sink = OutputSink.open("file://" + log);
            sink.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
            sink.close();
        }
        assertThat(Files.readString(log)).isEqualTo("a\nb\n");
    }

    @Test
    void emptyTargetMeansNoStreamAndRelativePathsAreRejected() throws Exception {
        assertThat(OutputSink.open("")).isNull();
        assertThatThrownBy(() -> OutputSink.open("relative/fifo")).hasMessageContaining("must be absolute");
    }
}
