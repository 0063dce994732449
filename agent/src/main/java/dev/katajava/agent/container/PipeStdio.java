package dev.katajava.agent.container;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.transport.stdio.StdioKind;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Stdio as three pipes to the launcher's process.
 *
 * <p>Besides the JDK's streams, the agent holds a descriptor of its own on each pipe, opened through
 * {@code /proc/<launcher>/fd/N} while the process waits at its start gate (so they are the very pipes, not
 * whatever the program later puts on those numbers). A direct stdio stream takes them to splice the pipe
 * straight into its socket. The stdin one is a second writer: closing stdin closes it too.
 */
final class PipeStdio implements ProcessStdio {
    private final java.lang.Process launcher;
    /** Our descriptors by {@link StdioKind#code}; -1 once taken or closed, or when the open failed. */
    private final AtomicIntegerArray fds = new AtomicIntegerArray(new int[] {-1, -1, -1});
    private final OutputStream stdin;

    PipeStdio(java.lang.Process launcher) {
        this.launcher = launcher;
        long pid = launcher.pid();
        fds.set(StdioKind.STDIN.code(), openQuietly(pid, 0, Fds.O_WRONLY));
        fds.set(StdioKind.STDOUT.code(), openQuietly(pid, 1, Fds.O_RDONLY));
        fds.set(StdioKind.STDERR.code(), openQuietly(pid, 2, Fds.O_RDONLY));
        this.stdin = new FilterOutputStream(launcher.getOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                closeFd(StdioKind.STDIN);
                super.close();
            }
        };
    }

    /** Without the descriptor the stream still works through the JDK's pipe, only copied through the JVM. */
    private static int openQuietly(long pid, int fd, int mode) {
        try {
            return Fds.open("/proc/" + pid + "/fd/" + fd, mode | Fds.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            return -1;
        }
    }

    @Override
    public InputStream stdout() {
        return launcher.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return launcher.getErrorStream();
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public int takeFd(StdioKind kind) {
        return fds.getAndSet(kind.code(), -1);
    }

    @Override
    public void resize(int rows, int columns) {
        // Pipes have no size.
    }

    @Override
    public void close() {
        for (StdioKind k : StdioKind.values()) {
            closeFd(k);
        }
        for (Closeable c : new Closeable[] {stdin(), stdout(), stderr()}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }

    private void closeFd(StdioKind kind) {
        int fd = fds.getAndSet(kind.code(), -1);
        if (fd >= 0) {
            try {
                Fds.close(fd);
            } catch (ErrnoException ignored) {
                // Ours alone; nothing left to undo.
            }
        }
    }
}
