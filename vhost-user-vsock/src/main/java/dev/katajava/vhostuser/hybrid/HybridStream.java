package dev.katajava.vhostuser.hybrid;

import dev.katajava.logging.Log;
import dev.katajava.vhostuser.vsock.GuestStream;
import dev.katajava.vhostuser.vsock.HostEndpoint;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Relays one vsock stream to a Unix socket: a writer thread drains what the guest sent into the socket, a
 * reader thread sends what the socket delivers to the guest within its credit.
 *
 * <p>Virtual threads: both block only in JDK socket I/O and lock waits, which release their carrier. The
 * multiplexer's callbacks only enqueue, so they never block.
 */
final class HybridStream implements HostEndpoint {
    private static final Log LOG = Log.of("vhost-user-vsock");
    private static final int READ_CHUNK = 64 * 1024;
    /**
     * Most guest bytes gathered into one write to the socket: packets are 64 KiB at most, often 4 KiB. The
     * buffer is native memory of the writer's own, taken only once a stream has packets queued behind each
     * other, so the many quiet streams of a busy relay cost nothing and none draws on the JVM's small
     * direct-buffer allowance (the shim runs with a 32 MiB heap, which bounds it).
     */
    static final int WRITE_BATCH = 256 * 1024;

    /** What the writer thread does next, in order. */
    private sealed interface Step permits GuestBytes, Greeting, StopOutput, Close {
    }

    private record GuestBytes(byte[] bytes) implements Step {
    }

    /** Bytes of our own (the hybrid handshake reply), not counted as consumed guest data. */
    private record Greeting(byte[] bytes) implements Step {
    }

    private record StopOutput() implements Step {
    }

    private record Close() implements Step {
    }

    private final SocketChannel socket;
    private final LinkedBlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    private final GreetingFactory greeting;
    private volatile GuestStream stream;

    /** The line to send the client once the guest accepted, or null for none. */
    @FunctionalInterface
    interface GreetingFactory {
        byte[] forStream(GuestStream stream);
    }

    HybridStream(SocketChannel socket, GreetingFactory greeting) {
        this.socket = socket;
        this.greeting = greeting;
    }

    @Override
    public void connected(GuestStream guestStream) {
        this.stream = guestStream;
        byte[] hello = greeting == null ? null : greeting.forStream(stream);
        if (hello != null) {
            steps.add(new Greeting(hello));
        }
        Thread.ofVirtual().name("vsock-hybrid-write").start(this::writeLoop);
        Thread.ofVirtual().name("vsock-hybrid-read").start(this::readLoop);
    }

    @Override
    public void refused() {
        closeSocket();
    }

    @Override
    public void data(byte[] bytes) {
        steps.add(new GuestBytes(bytes));
    }

    @Override
    public void guestStoppedSending() {
        steps.add(new StopOutput());
    }

    @Override
    public void closed() {
        if (stream == null) {
            // Never connected, so no writer thread will take the step.
            closeSocket();
            return;
        }
        steps.add(new Close());
    }

    private void writeLoop() {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer batch = null;
            while (true) {
                Step step = steps.take();
                switch (step) {
                    case GuestBytes(byte[] bytes) when steps.peek() instanceof GuestBytes -> {
                        if (batch == null) {
                            batch = arena.allocate(WRITE_BATCH).asByteBuffer();
                        }
                        writeBatch(bytes, batch);
                    }
                    case GuestBytes(byte[] bytes) -> {
                        writeFully(bytes);
                        stream.consumed(bytes.length);
                    }
                    case Greeting(byte[] bytes) -> writeFully(bytes);
                    case StopOutput() -> socket.shutdownOutput();
                    case Close() -> {
                        closeSocket();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("hybrid vsock client went away; stream reset", "stream", stream.key(), "error", e.getMessage());
            stream.reset();
            closeSocket();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeSocket();
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
        while (true) {
            buffer.clear();
            int n;
            try {
                n = socket.read(buffer);
            } catch (IOException e) {
                if (socket.isOpen()) {
                    LOG.debug("hybrid vsock client read failed; stream reset", "stream", stream.key(),
                            "error", e.getMessage());
                    stream.reset();
                    closeSocket();
                }
                return;
            }
            if (n < 0) {
                stream.shutdownSend();
                return;
            }
            if (!sendToGuest(buffer.array(), n)) {
                return;
            }
        }
    }

    /** Sends {@code n} bytes within the guest's credit; false once the stream no longer carries data to it. */
    private boolean sendToGuest(byte[] bytes, int n) {
        int off = 0;
        try {
            while (off < n) {
                int sent = stream.send(bytes, off, n - off);
                off += sent;
                if (sent == 0) {
                    stream.awaitCredit();
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Writes {@code first} and every guest chunk queued right behind it in one go (one copy into a native
     * buffer, one system call per batch rather than per packet), then returns their credit to the guest.
     */
    private void writeBatch(byte[] first, ByteBuffer batch) throws IOException {
        if (first.length > batch.capacity()) {
            writeFully(first);
            stream.consumed(first.length);
            return;
        }
        batch.clear();
        batch.put(first);
        int total = first.length;
        while (steps.peek() instanceof GuestBytes(byte[] next) && next.length <= batch.remaining()) {
            steps.poll();
            batch.put(next);
            total += next.length;
        }
        batch.flip();
        while (batch.hasRemaining()) {
            socket.write(batch);
        }
        stream.consumed(total);
    }

    private void writeFully(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            socket.write(b);
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is all that is left to do with it.
        }
    }
}
