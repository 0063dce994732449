package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdsTest {
    @TempDir
    Path dir;

    @Test
    void fionreadCountsBytesWaitingInAFifo() throws Exception {
        Path fifo = dir.resolve("f");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        int fd = Fds.open(fifo.toString(), Fds.O_RDWR | Fds.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom("hello");
            Fds.writeFully(fd, data, 5);
            assertThat(Fds.bytesQueued(fd)).isEqualTo(5);
            MemorySegment buf = arena.allocate(16);
            assertThat(Fds.read(fd, buf, 16)).isEqualTo(5);
            assertThat(Fds.bytesQueued(fd)).isZero();
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void failedCallNamesTheCallThePathAndTheErrno() {
        String missing = dir.resolve("missing").toString();
        assertThatThrownBy(() -> Fds.open(missing, Fds.O_RDONLY, 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("open").contains(missing).contains("No such file");
                });
    }

    @Test
    void killWithSignalZeroTellsWhetherAProcessExists() throws Exception {
        assertThat(Processes.alive(ProcessHandle.current().pid())).isTrue();
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThat(Processes.alive(p.pid())).isFalse();
    }
}
