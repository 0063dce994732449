package dev.katajava.vhostuser.protocol;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSocketMessages;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Frames vhost-user messages on a connected AF_UNIX socket, with descriptors as SCM_RIGHTS. */
public final class MessageChannel {
    private final int socket;

    public MessageChannel(int socket) {
        this.socket = socket;
    }

    /**
     * The next message, or null when the front end closed the connection between messages.
     *
     * @throws IOException when the stream breaks mid-message or announces an impossible size
     */
    public Message read() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Message.HEADER_SIZE + Message.MAX_PAYLOAD);
            int[] fds = new int[0];
            try {
                fds = readFully(buffer, 0, Message.HEADER_SIZE, fds, true);
                if (fds == null) {
                    return null;
                }
                byte[] headerBytes = buffer.asSlice(0, Message.HEADER_SIZE).toArray(ValueLayout.JAVA_BYTE);
                ByteBuffer header = ByteBuffer.wrap(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
                int request = header.getInt();
                int flags = header.getInt();
                int size = header.getInt();
                if (size < 0 || size > Message.MAX_PAYLOAD) {
                    throw new IOException("vhost-user " + Request.describe(request) + " announces "
                            + Integer.toUnsignedString(size) + " payload bytes, more than " + Message.MAX_PAYLOAD);
                }
                fds = readFully(buffer, Message.HEADER_SIZE, size, fds, false);
                byte[] payload = buffer.asSlice(Message.HEADER_SIZE, size).toArray(ValueLayout.JAVA_BYTE);
                return new Message(request, flags, payload, fds);
            } catch (IOException | RuntimeException e) {
                closeAll(fds);
                throw e;
            }
        }
    }

    /** Sends {@code message}'s header and payload in one write. */
    public void write(Message message) throws ErrnoException {
        byte[] payload = message.payload();
        ByteBuffer bytes = ByteBuffer.allocate(Message.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(message.request()).putInt(message.flags()).putInt(payload.length).put(payload);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes.array());
            UnixSocketMessages.send(socket, out, out.byteSize(), message.fds());
        }
    }

    /**
     * Reads exactly {@code len} bytes into {@code buffer} at {@code off}, adding any descriptors to {@code fds}.
     * Returns null on a clean end of stream before the first byte when {@code endAllowed}.
     */
    private int[] readFully(MemorySegment buffer, int off, int len, int[] fds, boolean endAllowed) throws IOException {
        int got = 0;
        int[] all = fds;
        try {
            while (got < len) {
                UnixSocketMessages.Received r = UnixSocketMessages.receive(socket, buffer.asSlice(off + got),
                        len - got);
                all = concat(all, r.fds());
                if (r.bytes() == 0) {
                    if (got == 0 && endAllowed && all.length == 0) {
                        return null;
                    }
                    throw new EOFException("vhost-user connection closed in the middle of a message");
                }
                got += r.bytes();
            }
            return all;
        } catch (IOException | RuntimeException e) {
            // The caller closes the descriptors it passed in; only this call knows the ones that arrived here.
            closeAll(Arrays.copyOfRange(all, fds.length, all.length));
            throw e;
        }
    }

    private static int[] concat(int[] a, int[] b) {
        if (b.length == 0) {
            return a;
        }
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Closes descriptors a message brought that nobody keeps. */
    public static void closeAll(int[] fds) {
        for (int fd : fds) {
            try {
                Fds.close(fd);
            } catch (ErrnoException ignored) {
                // Already gone; nothing else holds it.
            }
        }
    }
}
