package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketMessagesTest {
    @TempDir
    Path dir;

    @Test
    void threeDescriptorsTravelWithThePayloadAndStillReferToTheSameFiles() throws Exception {
        int[] pair = UnixSockets.pair();
        int[] events = {EventFd.create(1, EventFd.EFD_CLOEXEC), EventFd.create(2, EventFd.EFD_CLOEXEC),
                EventFd.create(3, EventFd.EFD_CLOEXEC)};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocateFrom("vhost");
            UnixSocketMessages.send(pair[0], payload, 5, events);

            MemorySegment buffer = arena.allocate(64);
            UnixSocketMessages.Received got = UnixSocketMessages.receive(pair[1], buffer, 64);

            assertThat(got.bytes()).isEqualTo(5);
            assertThat(buffer.getString(0)).isEqualTo("vhost");
            assertThat(got.fds()).hasSize(3).doesNotContain(events);
            for (int i = 0; i < 3; i++) {
                EventFd.write(got.fds()[i], 10);
                assertThat(EventFd.read(events[i])).isEqualTo(i + 1 + 10);
                Fds.close(got.fds()[i]);
            }
        } finally {
            for (int fd : events) {
                Fds.close(fd);
            }
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    @Test
    void messageWithoutDescriptorsReceivesNone() throws Exception {
        int[] pair = UnixSockets.pair();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(ValueLayout.JAVA_LONG);
            payload.set(ValueLayout.JAVA_LONG, 0, 0x1122334455667788L);
            UnixSocketMessages.send(pair[0], payload, 8, new int[0]);
            MemorySegment buffer = arena.allocate(8);
            UnixSocketMessages.Received got = UnixSocketMessages.receive(pair[1], buffer, 8);
            assertThat(got.fds()).isEmpty();
            assertThat(buffer.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);
        } finally {
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    @Test
    void peerCloseReadsAsEndOfStream() throws Exception {
        int[] pair = UnixSockets.pair();
        Fds.close(pair[0]);
        try (Arena arena = Arena.ofConfined()) {
            assertThat(UnixSocketMessages.receive(pair[1], arena.allocate(8), 8).endOfStream()).isTrue();
        } finally {
            Fds.close(pair[1]);
        }
    }

    @Test
    void moreThanEightDescriptorsIsRefusedBeforeSending() throws Exception {
        int[] pair = UnixSockets.pair();
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> UnixSocketMessages.send(pair[0], arena.allocate(1), 1, new int[9]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 8");
        } finally {
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
    }

    @Test
    void listenerAcceptsAConnectionAndShutdownWakesABlockedAccept() throws Exception {
        Path path = dir.resolve("s.sock");
        int listener = UnixSockets.listen(path, 1);
        int client = UnixSockets.connect(path);
        int server = UnixSockets.accept(listener);
        try (Arena arena = Arena.ofConfined()) {
            UnixSocketMessages.send(client, arena.allocateFrom("x"), 1, new int[0]);
            assertThat(UnixSocketMessages.receive(server, arena.allocate(4), 4).bytes()).isEqualTo(1);
        }
        Thread blocked = Thread.ofPlatform().start(() -> assertThatThrownBy(() -> UnixSockets.accept(listener))
                .isInstanceOf(ErrnoException.class));
        Thread.sleep(100);
        UnixSockets.shutdown(listener, UnixSockets.SHUT_RDWR);
        blocked.join(5000);
        assertThat(blocked.isAlive()).isFalse();
        Fds.close(server);
        Fds.close(client);
        Fds.close(listener);
    }
}
