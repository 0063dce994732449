package dev.katajava.shim.cli;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.shim.io.LogFifo;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The start action's way back to containerd once the process goes on as the daemon. containerd waits until
 * every holder of the start action's stdout and stderr has closed them, so the daemon cannot keep them: its
 * stdin, stdout and stderr are pointed elsewhere at once (stderr at the bundle's log FIFO when containerd reads
 * it, else /dev/null), before any thread or child process could inherit them, and private copies of the two
 * outputs stay open only until the address, or the reason there is none, has been written.
 *
 * <p>Invariant: after {@link #detach}, descriptors 0-2 no longer refer to anything containerd waits on, and
 * the copies are close-on-exec, so a QEMU started meanwhile cannot hold up containerd either.
 */
public final class StartOutput {
    private final byte[] runtimeOptions;
    private final int out;
    private final int err;
    private boolean closed;

    private StartOutput(byte[] runtimeOptions, int out, int err) {
        this.runtimeOptions = runtimeOptions;
        this.out = out;
        this.err = err;
    }

    /** Reads the runtime options from stdin, then detaches this process's stdio (0, 1, 2). */
    public static StartOutput detach(Path bundle) throws ErrnoException {
        byte[] options = RuntimeOptionsInput.read();
        return detach(options, 0, 1, 2, bundle.resolve("log"));
    }

    static StartOutput detach(byte[] options, int in, int out, int err, Path log) throws ErrnoException {
        int outCopy = Fds.duplicate(out);
        int errCopy = Fds.duplicate(err);
        int devNull = Fds.open("/dev/null", Fds.O_RDWR | Fds.O_CLOEXEC, 0);
        try {
            Fds.replace(in, devNull);
            Fds.replace(out, devNull);
            // The JVM's own last words (a crash, an uncaught error) still reach containerd's log.
            int logFd = LogFifo.openDescriptor(log);
            Fds.replace(err, logFd >= 0 ? logFd : devNull);
            if (logFd >= 0) {
                Fds.close(logFd);
            }
        } finally {
            Fds.close(devNull);
        }
        return new StartOutput(options, outCopy, errCopy);
    }

    /** What containerd wrote to stdin: the runtime options Create will carry (empty when none). */
    public byte[] runtimeOptions() {
        return runtimeOptions.clone();
    }

    /** Reports the address on stdout and lets containerd go on. */
    public synchronized void serving(String address) {
        finish(out, address);
    }

    /** Reports why the start failed on stderr; containerd sees no address and fails the start with it. */
    public synchronized void failed(String message) {
        finish(err, message + "\n");
    }

    /** Whether {@link #serving} or {@link #failed} has been called. */
    public synchronized boolean reported() {
        return closed;
    }

    private void finish(int fd, String text) {
        if (closed) {
            return;
        }
        closed = true;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            Fds.writeFully(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes), bytes.length);
        } catch (ErrnoException e) {
            // containerd gave up on the start (it closed its end); nothing else can carry the report.
        } finally {
            closeQuietly(out);
            closeQuietly(err);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException e) {
            // Closed already.
        }
    }
}
