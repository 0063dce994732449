package dev.katajava.qemu.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {
    @TempDir
    Path dir;

    @Test
    void returnsAtMostTheLastBytesAndNothingBeforeTheStartOffset() throws Exception {
        Path log = Files.writeString(dir.resolve("qemu.log"), "old run\nnew run line 1\nline 2\n");
        assertThat(LogTail.read(log, 0, 7)).isEqualTo("line 2\n");
        assertThat(LogTail.read(log, 8, 1000)).isEqualTo("new run line 1\nline 2\n");
        assertThat(LogTail.read(log, Files.size(log), 1000)).isEmpty();
    }

    @Test
    void aMissingFileReadsAsEmpty() {
        assertThat(LogTail.read(dir.resolve("none"), 0, 100)).isEmpty();
        assertThat(LogTail.size(dir.resolve("none"))).isZero();
    }
}
