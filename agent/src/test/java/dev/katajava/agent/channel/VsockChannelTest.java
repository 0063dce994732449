package dev.katajava.agent.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.transport.FdByteStream;
import dev.katajava.ttrpc.ByteStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VsockChannelTest {
    @TempDir
    Path dir;

    @Test
    void theGuestPortIsDescribedByItsNumberAndServesConnectionsSideBySide() {
        VsockChannel channel = new VsockChannel(VsockChannel.PORT);
        assertThat(channel.describe()).isEqualTo("vsock:1024");
        assertThat(channel.concurrent()).isTrue();
    }

    @Test
    void overAListeningSocketItAcceptsWhatConnectsThere() throws Exception {
        Path socket = dir.resolve("agent.sock");
        int listenFd = UnixSockets.listen(socket, 1);
        try {
            VsockChannel channel = VsockChannel.listeningOn(listenFd, "unix:" + socket);
            assertThat(channel.describe()).isEqualTo("unix:" + socket);
            try (FdByteStream client = new FdByteStream(UnixSockets.connect(socket));
                 ByteStream accepted = channel.accept()) {
                client.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer got = ByteBuffer.allocate(5);
                while (got.hasRemaining() && accepted.read(got) > 0) {
                    // Until all five bytes are in.
                }
                assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
            }
        } finally {
            Fds.close(listenFd);
        }
    }

    @Test
    void aNegativeDescriptorIsRefused() {
        assertThatThrownBy(() -> VsockChannel.listeningOn(-1, "nothing"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not a descriptor: -1");
    }
}
