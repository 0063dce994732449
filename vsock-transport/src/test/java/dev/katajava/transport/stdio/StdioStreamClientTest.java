package dev.katajava.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host side of a direct stdio stream against a stand-in hybrid-vsock socket and agent. */
class StdioStreamClientTest {
    @TempDir
    Path dir;

    /** Accepts one connection on {@code socket}, answers CONNECT, reads the header and answers with {@code reply}. */
    private static CompletableFuture<StdioStreamHeader> agent(int listenFd, String connectAnswer, byte[] reply,
                                                             byte[] then) {
        return CompletableFuture.supplyAsync(() -> {
            int fd = -1;
            try {
                fd = UnixSockets.accept(listenFd);
                String connect = RawSocket.readLine(fd, 64);
                assertThat(connect).isEqualTo("CONNECT 1025");
                if (connectAnswer == null) {
                    return null;
                }
                RawSocket.writeAll(fd, connectAnswer.getBytes(StandardCharsets.US_ASCII));
                StdioStreamHeader h = StdioStreamHeader.read(fd);
                RawSocket.writeAll(fd, reply);
                if (then.length > 0) {
                    RawSocket.writeAll(fd, then);
                }
                return h;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                if (fd >= 0) {
                    RawSocket.closeQuietly(fd);
                }
            }
        }, Thread::startVirtualThread);
    }

    private static String readAll(int fd) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int n;
            while ((n = Fds.read(fd, buf, 256)) > 0) {
                out.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }

    @Test
    void opensAStreamNamingTheProcessAndCarriesItsBytesAfterTheAnswer() throws Exception {
        Path hv = dir.resolve("kata.hvsock");
        int listen = UnixSockets.listen(hv, 4);
        try {
            // The first stream bytes may arrive in the same segment as the answer: none may be lost.
            var agent = agent(listen, "OK 1073741824\n", StdioStreamReply.ok(), "output".getBytes(StandardCharsets.UTF_8));
            int fd = new StdioStreamClient(new HybridVsockDialer(hv), 1025).open(StdioKind.STDERR, "c1", "e1");
            try {
                assertThat(readAll(fd)).isEqualTo("output");
            } finally {
                Fds.close(fd);
            }
            assertThat(agent.get(5, TimeUnit.SECONDS)).isEqualTo(new StdioStreamHeader(StdioKind.STDERR, "c1", "e1"));
        } finally {
            Fds.close(listen);
        }
    }

    @Test
    void aRefusalCarriesTheAgentsReason() throws Exception {
        Path hv = dir.resolve("kata.hvsock");
        int listen = UnixSockets.listen(hv, 4);
        try {
            var agent = agent(listen, "OK 1\n", StdioStreamReply.refused("container c9 not found"), new byte[0]);
            assertThatThrownBy(() -> new StdioStreamClient(new HybridVsockDialer(hv), 1025)
                    .open(StdioKind.STDOUT, "c9", "c9"))
                    .isInstanceOf(IOException.class).hasMessageContaining("container c9 not found");
            agent.get(5, TimeUnit.SECONDS);
        } finally {
            Fds.close(listen);
        }
    }

    @Test
    void aPortNobodyListensOnFailsAtOnce() throws Exception {
        Path hv = dir.resolve("kata.hvsock");
        int listen = UnixSockets.listen(hv, 4);
        try {
            var agent = agent(listen, null, null, null);
            assertThatThrownBy(() -> new HybridVsockDialer(hv).connect(1025))
                    .isInstanceOf(IOException.class).hasMessageContaining("refused port 1025");
            agent.get(5, TimeUnit.SECONDS);
        } finally {
            Fds.close(listen);
        }
    }
}
