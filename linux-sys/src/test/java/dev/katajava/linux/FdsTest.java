package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
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
    void aDuplicateOutlivesTheOriginalAndReplaceRedirectsADescriptor() throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        int a = Fds.open(first.toString(), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_CLOEXEC, 0600);
        int b = Fds.open(second.toString(), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_CLOEXEC, 0600);
        int copy = Fds.duplicate(a);
        try (Arena arena = Arena.ofConfined()) {
            assertThat(copy).isGreaterThanOrEqualTo(3).isNotIn(a, b);
            assertThat(openFlags(copy) & Fds.O_CLOEXEC).isEqualTo(Fds.O_CLOEXEC);
            Fds.replace(a, b);
            Fds.writeFully(a, arena.allocateFrom("to-second"), 9);
            Fds.writeFully(copy, arena.allocateFrom("to-first"), 8);
        } finally {
            Fds.close(a);
            Fds.close(b);
            Fds.close(copy);
        }
        assertThat(Files.readString(first)).isEqualTo("to-first");
        assertThat(Files.readString(second)).isEqualTo("to-second");
        assertThatThrownBy(() -> Fds.duplicate(-1)).isInstanceOf(ErrnoException.class).hasMessageContaining("fd -1");
    }

    private static int openFlags(int fd) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).strip(), 8);
            }
        }
        throw new AssertionError("no flags line for fd " + fd);
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
