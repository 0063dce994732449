package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidfdsTest {
    @TempDir
    Path dir;

    @Test
    void copiesAnOpenDescriptorOutOfAChildProcess() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "held by the child");
        // The child keeps the file open on fd 7 while it sleeps.
        Process child = new ProcessBuilder("sh", "-c", "exec 7<\"$0\"; exec sleep 30", file.toString()).start();
        try {
            Path fd7 = Path.of("/proc", Long.toString(child.pid()), "fd", "7");
            for (int i = 0; i < 100 && !Files.exists(fd7, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
                Thread.sleep(20);
            }
            int copy = Pidfds.copyFd(child.pid(), 7);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(64);
                int n = Fds.read(copy, buf, 64);
                assertThat(new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        StandardCharsets.UTF_8)).isEqualTo("held by the child");
            } finally {
                Fds.close(copy);
            }
        } finally {
            child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDescriptorTheProcessDoesNotHaveIsReportedAsEbadf() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            assertThatThrownBy(() -> Pidfds.copyFd(child.pid(), 99))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("pidfd_getfd")
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EBADF));
        } finally {
            child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
