package dev.katajava.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies between a socket and a FIFO (spliced) or a regular file (read and write), byte for byte. */
class StreamCopyTest {
    private static final int SIZE = 3 * 1024 * 1024 + 17;

    @TempDir
    Path dir;

    private static byte[] data() {
        byte[] b = new byte[SIZE];
        new Random(42).nextBytes(b);
        return b;
    }

    private static CompletableFuture<Void> feed(int fd, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                RawSocket.writeAll(fd, data);
                UnixSockets.shutdown(fd, UnixSockets.SHUT_WR);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    /** A new FIFO in the test directory, as containerd makes a container's stdout. */
    private Path fifo() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void socketIntoFifoIsSplicedByteForByte() throws Exception {
        Path fifo = fifo();
        int[] pair = UnixSockets.pair();
        int out = Fds.open(fifo.toString(), Fds.O_RDWR, 0);
        byte[] data = data();
        try {
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> drain(fifo, SIZE, got),
                    Thread::startVirtualThread);
            var fed = feed(pair[0], data);
            assertThat(StreamCopy.copy(pair[1], out)).isEqualTo(SIZE);
            fed.get(10, TimeUnit.SECONDS);
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(SIZE);
            assertThat(got.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        } finally {
            Fds.close(out);
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    /**
     * splice(2) waiting for input would hold the FIFO's pipe lock, and the reader closing its end (ctr
     * exiting after {@code run -d}) would hang in the kernel until the container printed something.
     */
    @Test
    void aCopyWaitingOnAQuietSocketLetsTheFifosReaderCloseAtOnce() throws Exception {
        Path fifo = fifo();
        int[] pair = UnixSockets.pair();
        int out = Fds.open(fifo.toString(), Fds.O_RDWR, 0);
        int reader = Fds.open(fifo.toString(), Fds.O_RDONLY | Fds.O_NONBLOCK, 0);
        java.util.concurrent.Executor platform = r -> Thread.ofPlatform().daemon().start(r);
        CompletableFuture<Long> copying = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamCopy.copy(pair[1], out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, platform);
        try {
            Thread.sleep(300);
            assertThat(copying).as("the copy waits for input").isNotDone();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                try {
                    Fds.close(reader);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, platform);
            assertThat(closed).as("the reader's close returns while the copy waits")
                    .succeedsWithin(java.time.Duration.ofSeconds(5));
        } finally {
            feed(pair[0], new byte[] {'x'}).get(10, TimeUnit.SECONDS);
            assertThat(copying.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            Fds.close(out);
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    @Test
    void socketIntoAFileFallsBackToReadAndWrite() throws Exception {
        Path file = dir.resolve("log");
        int[] pair = UnixSockets.pair();
        int out = Fds.open(file.toString(), Fds.O_WRONLY | Fds.O_CREAT, 0600);
        byte[] data = data();
        try {
            var fed = feed(pair[0], data);
            assertThat(StreamCopy.copy(pair[1], out)).isEqualTo(SIZE);
            fed.get(10, TimeUnit.SECONDS);
        } finally {
            Fds.close(out);
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(data);
    }

    private static long drain(Path fifo, long want, MessageDigest digest) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Fds.open(fifo.toString(), Fds.O_RDONLY, 0);
            try {
                MemorySegment buf = arena.allocate(65536);
                long total = 0;
                while (total < want) {
                    int n = Fds.read(fd, buf, 65536);
                    digest.update(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                    total += n;
                }
                return total;
            } finally {
                Fds.close(fd);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
