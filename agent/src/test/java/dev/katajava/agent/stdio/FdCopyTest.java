package dev.katajava.agent.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stdio streams' copy loop in C, run from the library the build makes. */
class FdCopyTest {
    private static final int SIZE = 3 * 1024 * 1024 + 17;
    private static final int EISDIR = 21;

    @TempDir
    Path dir;

    @Test
    void theLibraryTheBuildMakesIsTheLoopInUse() {
        assertThat(FdCopy.LIBRARY).isReadable();
        assertThat(FdCopy.nativeLoop()).isTrue();
    }

    @Test
    void everythingUpToEndOfInputArrivesByteForByte() throws Exception {
        int[] in = UnixSockets.pair();
        int[] out = UnixSockets.pair();
        byte[] data = new byte[SIZE];
        new Random(7).nextBytes(data);
        try {
            CompletableFuture<Void> fed = CompletableFuture.runAsync(() -> writeAndShut(in[0], data),
                    Thread::startVirtualThread);
            CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> readToEnd(out[1]),
                    Thread::startVirtualThread);
            assertThat(FdCopy.copy(in[1], out[0])).isEqualTo(SIZE);
            UnixSockets.shutdown(out[0], UnixSockets.SHUT_WR);
            fed.get(10, TimeUnit.SECONDS);
            assertThat(MessageDigest.getInstance("SHA-256").digest(got.get(10, TimeUnit.SECONDS)))
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        } finally {
            closeAll(in[0], in[1], out[0], out[1]);
        }
    }

    @Test
    void aWriteThatFailsIsReportedAsTheWriteWithItsErrno() throws Exception {
        int[] in = UnixSockets.pair();
        int[] out = UnixSockets.pair();
        try {
            Fds.close(out[1]);
            writeAndShut(in[0], new byte[] {1, 2, 3});
            assertThatThrownBy(() -> FdCopy.copy(in[1], out[0]))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.call()).isEqualTo("write");
                        assertThat(e.errno()).isEqualTo(Errno.EPIPE);
                    });
        } finally {
            closeAll(in[0], in[1], out[0]);
        }
    }

    @Test
    void aReadThatFailsIsReportedAsTheReadWithItsErrno() throws Exception {
        int directory = Fds.open(dir.toString(), Fds.O_RDONLY | Fds.O_DIRECTORY, 0);
        int[] out = UnixSockets.pair();
        try {
            assertThatThrownBy(() -> FdCopy.copy(directory, out[0]))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.call()).isEqualTo("read");
                        assertThat(e.errno()).isEqualTo(EISDIR);
                    });
        } finally {
            closeAll(directory, out[0], out[1]);
        }
    }

    private static void closeAll(int... fds) throws ErrnoException {
        for (int fd : fds) {
            Fds.close(fd);
        }
    }

    private static void writeAndShut(int fd, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(data.length);
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            Fds.writeFully(fd, buf, data.length);
            UnixSockets.shutdown(fd, UnixSockets.SHUT_WR);
        } catch (ErrnoException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readToEnd(int fd) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536);
            int n;
            while ((n = Fds.read(fd, buf, 65536)) > 0) {
                all.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
            }
        } catch (ErrnoException e) {
            throw new IllegalStateException(e);
        }
        return all.toByteArray();
    }
}
