package dev.katajava.vhostuser.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.katajava.linux.EventFd;
import dev.katajava.linux.Fds;
import dev.katajava.linux.MemFd;
import dev.katajava.linux.UnixSocketMessages;
import dev.katajava.linux.UnixSockets;
import dev.katajava.vhostuser.device.VsockDevice;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A front end (QEMU, or whatever took its socket) sends any bytes with any descriptors attached. The reader and
 * the session must end only with a typed {@link IOException}, and every descriptor that arrived must be
 * either kept by the device (and closed with it) or closed at once; no queue thread may outlive the device.
 */
class VhostUserSessionFuzzTest {
    private static final long CID = 3;
    private static final int MAX_STREAM = 16 * 1024;

    @FuzzTest(maxDuration = "10s")
    void frontEndMessagesNeverLeakDescriptorsOrEscapeTyped(FuzzedDataProvider data) throws Exception {
        int fdsBefore = openDescriptors();
        long threadsBefore = queueThreads();
        int[] pair = UnixSockets.pair();
        VsockDevice device = new VsockDevice(new VsockMuxer(CID, (port, stream) -> null));
        try {
            sendMessages(pair[0], data);
            UnixSockets.shutdown(pair[0], UnixSockets.SHUT_WR);
            VhostUserSession session = new VhostUserSession(new MessageChannel(pair[1]), device, CID,
                    Objects::requireNonNull);
            try {
                session.run();
            } catch (IOException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        } finally {
            device.close();
            Fds.close(pair[0]);
            Fds.close(pair[1]);
        }
        assertThat(queueThreads()).as("queue threads").isEqualTo(threadsBefore);
        assertThat(openDescriptors()).as("open descriptors").isEqualTo(fdsBefore);
    }

    /** Writes messages, mostly well framed, some with descriptors, some raw bytes; never blocks on a full socket. */
    private static void sendMessages(int socket, FuzzedDataProvider data) throws Exception {
        int sent = 0;
        while (data.remainingBytes() > 0 && sent < MAX_STREAM) {
            byte[] bytes;
            if (data.consumeInt(0, 7) == 0) {
                bytes = data.consumeBytes(64);
            } else {
                int request = data.consumeInt(0, 30);
                int flags = data.consumeBoolean() ? Message.VERSION | Message.FLAG_NEED_REPLY : data.consumeInt();
                byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
                int size = data.consumeInt(0, 15) == 0 ? data.consumeInt() : payload.length;
                bytes = ByteBuffer.allocate(Message.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(request).putInt(flags).putInt(size).put(payload).array();
            }
            if (bytes.length == 0) {
                continue;
            }
            int[] fds = descriptors(data);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
                UnixSocketMessages.send(socket, out, bytes.length, fds);
            } finally {
                MessageChannel.closeAll(fds);
            }
            sent += bytes.length;
        }
    }

    private static int[] descriptors(FuzzedDataProvider data) throws Exception {
        int[] fds = new int[data.consumeInt(0, 3) == 3 ? data.consumeInt(1, 3) : 0];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = data.consumeBoolean()
                    ? MemFd.create("fuzz-guest-ram", 4096L * data.consumeInt(1, 16))
                    : EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        }
        return fds;
    }

    private static int openDescriptors() {
        return Objects.requireNonNull(new File("/proc/self/fd").list()).length;
    }

    private static long queueThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vhost-user-vsock-queue")).count();
    }
}
