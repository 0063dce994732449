package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteStreamTest {
    @TempDir
    Path dir;

    @Test
    void aBlockedReadDoesNotHoldUpAWriteOnTheSameSocketChannel() throws Exception {
        Path socket = dir.resolve("pair.sock");
        try (var listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            try (var a = SocketChannel.open(UnixDomainSocketAddress.of(socket)); var b = listener.accept()) {
                ByteStream stream = ByteStream.of(a);
                ByteBuffer in = ByteBuffer.allocate(4);
                Thread reader = Thread.ofPlatform().start(() -> {
                    try {
                        stream.read(in);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                awaitBlockedInRead(reader);

                CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                    try {
                        stream.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                write.get(5, TimeUnit.SECONDS);
                assertThat(reader.isAlive()).isTrue();
                assertThat(RawFrames.readExactly(b, 4)).isEqualTo(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)));

                RawFrames.writeAll(b, ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
                reader.join(5000);
                assertThat(new String(in.array(), StandardCharsets.US_ASCII)).isEqualTo("pong");
            }
        }
    }

    /** Waits until the thread is inside the native read call, holding whatever locks a read takes. */
    private static void awaitBlockedInRead(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            StackTraceElement[] stack = t.getStackTrace();
            if (stack.length > 0 && stack[0].isNativeMethod() && stack[0].getMethodName().startsWith("read")) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("reader never blocked in read");
    }

    @Test
    void separateChannelsCarryBothDirectionsAndCloseRunsOnClose() throws Exception {
        Pipe pipe = Pipe.open();
        AtomicInteger closes = new AtomicInteger();
        ByteStream stream = ByteStream.of(pipe.source(), pipe.sink(), closes::incrementAndGet);

        stream.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        ByteBuffer got = ByteBuffer.allocate(3);
        while (got.hasRemaining()) {
            stream.read(got);
        }
        assertThat(got.array()).containsExactly(1, 2, 3);
        stream.close();
        assertThat(closes).hasValue(1);
    }

    @Test
    void aNonBlockingSocketChannelIsRejectedWithAReason() throws Exception {
        try (var ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.configureBlocking(false);
            assertThatThrownBy(() -> ByteStream.of(ch))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("blocking mode");
        }
    }
}
