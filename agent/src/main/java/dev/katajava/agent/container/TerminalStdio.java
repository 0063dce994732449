package dev.katajava.agent.container;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.Pty;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A process whose stdio is a pty (opened by the process in its container; the agent holds the master). The master is read on a platform thread of its
 * own: a blocking native read would pin one of the few carriers virtual threads share.
 */
final class TerminalStdio implements ProcessStdio {
    private static final byte[] EOF = new byte[0];
    private static final int CHUNK = 32 * 1024;

    private final Pty pty;
    private final LinkedBlockingQueue<byte[]> output = new LinkedBlockingQueue<>();
    private final InputStream stdout = new QueueInput();
    private final OutputStream stdin = new MasterOutput();
    private volatile boolean closed;

    TerminalStdio(Pty pty) {
        this.pty = pty;
        Thread.ofPlatform().daemon().name("pty-" + pty.name()).start(this::pump);
    }

    private void pump() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            while (true) {
                int n = Fds.read(pty.master(), buf, CHUNK);
                if (n <= 0) {
                    break;
                }
                output.add(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        } catch (ErrnoException e) {
            // EIO: every slave descriptor is closed, the process and its children are gone.
        } finally {
            output.add(EOF);
        }
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return InputStream.nullInputStream();
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public void resize(int rows, int columns) throws ContainerException {
        try {
            pty.resize(rows, columns);
        } catch (ErrnoException e) {
            throw new ContainerException("resize terminal " + pty.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                pty.close();
            } catch (ErrnoException ignored) {
                // Already closed.
            }
        }
    }

    /** The queue of chunks the pump read, as a stream; end of stream once the pump saw the terminal close. */
    private final class QueueInput extends InputStream {
        private byte[] current = new byte[0];
        private int pos;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        @SuppressWarnings("ReferenceEquality") // EOF is a sentinel: only that instance means end of output
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (current == EOF) {
                return -1;
            }
            while (pos == current.length) {
                try {
                    current = output.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                pos = 0;
                if (current == EOF) {
                    output.add(EOF);
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** Writes to the master: what the terminal's user types. */
    private final class MasterOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("terminal closed");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(Math.max(1, len));
                MemorySegment.copy(b, off, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
                Fds.writeFully(pty.master(), seg, len);
            }
        }
    }
}
