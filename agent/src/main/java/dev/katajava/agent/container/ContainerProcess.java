package dev.katajava.agent.container;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Errno;
import dev.katajava.linux.Fifos;
import dev.katajava.linux.Pidfds;
import dev.katajava.linux.Processes;
import dev.katajava.linux.Pty;
import dev.katajava.transport.stdio.StdioKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * One process started through the native launcher.
 *
 * <p>Creation returns once the launcher reported the process set up and waiting at its start gate (or
 * failed, with the launcher's message). {@link #start} opens the gate. The process's stdio are pipes
 * held here until {@link #releaseStdio}; {@link #exit} completes with the exit code or 128+signal.
 */
public final class ContainerProcess {
    private static final byte[] EXITED_LINE = (Handshake.EXITED + "\n").getBytes(StandardCharsets.US_ASCII);
    private final ProcessStdio stdio;
    private final long pid;
    private final Path execFifo;
    private final CompletableFuture<Integer> exit;

    private ContainerProcess(java.lang.Process launcher, ProcessStdio stdio, long pid, Path execFifo) {
        this.stdio = stdio;
        this.pid = pid;
        this.execFifo = execFifo;
        this.exit = launcher.onExit().thenApply(java.lang.Process::exitValue);
    }

    /**
     * Launches the launcher with {@code config} in {@code stateDir} and waits until the process is set up.
     * The config must name {@code stateDir/sync} and {@code stateDir/exec} as its FIFOs.
     */
    static ContainerProcess launch(Launcher launcher, Path stateDir, byte[] config, boolean terminal)
            throws ContainerException {
        Path sync = stateDir.resolve("sync");
        Path exec = stateDir.resolve("exec");
        Path configFile = stateDir.resolve("launch");
        try {
            Files.createDirectories(stateDir);
            Fifos.mkfifo(sync.toString(), 0600);
            Fifos.mkfifo(exec.toString(), 0600);
            Files.write(configFile, config);
        } catch (IOException e) {
            throw new ContainerException("prepare " + stateDir + ": " + e.getMessage(), e);
        }
        // Held read-write so the launcher's opens never block. Because we hold a writer, the read below never
        // sees end of file: when the launcher exits we append a line of our own, which FIFO order puts after
        // everything the launcher wrote.
        FileChannel syncChannel;
        java.lang.Process launched;
        try {
            syncChannel = FileChannel.open(sync, StandardOpenOption.READ, StandardOpenOption.WRITE);
            launched = launcher.start(configFile, terminal);
        } catch (IOException e) {
            throw new ContainerException("start " + launcher.nsexec() + ": " + e.getMessage(), e);
        }
        var _ = launched.onExit().thenRun(() -> {
            try {
                syncChannel.write(java.nio.ByteBuffer.wrap(EXITED_LINE));
            } catch (IOException ignored) {
                // The reader is done and closed the channel.
            }
        });
        Handshake h = Handshake.read(syncChannel, stateDir);
        if (!h.succeeded() || (terminal && h.ptmx() < 0)) {
            launched.destroyForcibly();
            String reason = h.error() != null ? h.error()
                    : "the launcher exited before the process was set up" + stderrTail(launched);
            throw new ContainerException(reason);
        }
        ProcessStdio stdio;
        if (terminal) {
            try {
                stdio = new TerminalStdio(Pty.ofMaster(Pidfds.copyFd(h.pid(), h.ptmx()), "pty of pid " + h.pid()));
            } catch (ErrnoException e) {
                launched.destroyForcibly();
                throw new ContainerException("take the terminal of pid " + h.pid() + ": " + e.getMessage(), e);
            }
        } else {
            stdio = new PipeStdio(launched);
        }
        long pid = h.pid();
        return new ContainerProcess(launched, stdio, pid, exec);
    }

    private static String stderrTail(java.lang.Process p) {
        try {
            p.waitFor();
            byte[] err = p.getErrorStream().readNBytes(1024);
            return err.length == 0 ? " (exit " + p.exitValue() + ")" : ": " + new String(err, StandardCharsets.UTF_8).strip();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    /** Lets the process exec its program. */
    public void start() throws ContainerException {
        try (FileChannel gate = FileChannel.open(execFifo, StandardOpenOption.WRITE)) {
            gate.write(java.nio.ByteBuffer.wrap(new byte[] {'1'}));
        } catch (IOException e) {
            throw new ContainerException("start process " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The process's pid as the agent sees it. */
    public long pid() {
        return pid;
    }

    public InputStream stdout() {
        return stdio.stdout();
    }

    public InputStream stderr() {
        return stdio.stderr();
    }

    public OutputStream stdin() {
        return stdio.stdin();
    }

    /** The agent's own descriptor on one of the process's stdio pipes, or -1 (see {@link ProcessStdio#takeFd}). */
    public int takeFd(StdioKind kind) {
        return stdio.takeFd(kind);
    }

    public void resize(int rows, int columns) throws ContainerException {
        stdio.resize(rows, columns);
    }

    public CompletableFuture<Integer> exit() {
        return exit;
    }

    public boolean isRunning() {
        return !exit.isDone();
    }

    /** Sends {@code signal}; a process that already ended is not an error. */
    public void signal(int signal) throws ContainerException {
        if (!isRunning()) {
            return;
        }
        try {
            Processes.kill(pid, signal);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ESRCH) {
                throw new ContainerException("signal " + signal + " to pid " + pid + ": " + e.getMessage(), e);
            }
        }
    }

    /** Closes the process's stdio pipes on our side (after WaitProcess, as Kata's agent does). */
    public void releaseStdio() {
        stdio.close();
    }
}
