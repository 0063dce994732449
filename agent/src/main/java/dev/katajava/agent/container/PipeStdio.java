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
 * <p>The agent opens each pipe again through {@code /proc/<launcher>/fd/N} while the process waits at its
 * start gate (so they are the very pipes, not whatever the program later puts on those numbers): a raw
 * descriptor a direct stdio stream takes to splice the pipe straight into its socket, and for the output
 * pipes a JDK stream for ReadStdout/ReadStderr. The JDK's own output streams are closed at once, because
 * when the launcher exits the JDK drains whatever is still in them into a buffer of its own, which would
 * take the last output away from the raw descriptor. The stdin descriptor is a second writer: closing
 * stdin closes it too.
 */
final class PipeStdio implements ProcessStdio {
    /** Our descriptors by {@link StdioKind#code}; -1 once taken or closed, or when the open failed. */
    private final AtomicIntegerArray fds = new AtomicIntegerArray(new int[] {-1, -1, -1});
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;

    PipeStdio(java.lang.Process launcher) {
        long pid = launcher.pid();
        fds.set(StdioKind.STDIN.code(), openQuietly(pid, 0, Fds.O_WRONLY));
        this.stdout = reopen(launcher.getInputStream(), pid, 1, StdioKind.STDOUT);
        this.stderr = reopen(launcher.getErrorStream(), pid, 2, StdioKind.STDERR);
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

    /**
     * Our own descriptor and stream on output pipe {@code fd} in place of the JDK's stream, which is closed;
     * where the pipe cannot be opened again the JDK's stream stays and there is no descriptor.
     */
    private InputStream reopen(InputStream jdk, long pid, int fd, StdioKind kind) {
        String path = "/proc/" + pid + "/fd/" + fd;
        int raw = openQuietly(pid, fd, Fds.O_RDONLY);
        if (raw < 0) {
            return jdk;
        }
        try {
            InputStream own = new java.io.FileInputStream(path);
            fds.set(kind.code(), raw);
            jdk.close();
            return own;
        } catch (IOException e) {
            closeQuietly(raw);
            return jdk;
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // Ours alone; nothing left to undo.
        }
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
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
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
            closeQuietly(fd);
        }
    }
}
