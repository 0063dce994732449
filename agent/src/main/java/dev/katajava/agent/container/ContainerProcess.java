package dev.katajava.agent.container;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Errno;
import dev.katajava.linux.Fifos;
import dev.katajava.linux.Processes;
import dev.katajava.linux.Pty;
import dev.katajava.logging.Log;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
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
    private static final Log LOG = Log.of("container");
    private static final String EXITED = "launcher-exited";
    private static final byte[] EXITED_LINE = (EXITED + "\n").getBytes(StandardCharsets.US_ASCII);
    private final java.lang.Process launcher;
    private final ProcessStdio stdio;
    private final long pid;
    private final Path execFifo;
    private final CompletableFuture<Integer> exit;

    private ContainerProcess(java.lang.Process launcher, ProcessStdio stdio, long pid, Path execFifo) {
        this.launcher = launcher;
        this.stdio = stdio;
        this.pid = pid;
        this.execFifo = execFifo;
        this.exit = launcher.onExit().thenApply(java.lang.Process::exitValue);
    }

    /**
     * Launches {@code nsexec} with {@code config} in {@code stateDir} and waits until the process is set up.
     * The config must name {@code stateDir/sync} and {@code stateDir/exec} as its FIFOs.
     */
    static ContainerProcess launch(Path nsexec, Path stateDir, byte[] config, boolean terminal)
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
        java.lang.Process launcher;
        Pty pty = null;
        try {
            syncChannel = FileChannel.open(sync, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ProcessBuilder pb = new ProcessBuilder(nsexec.toString(), configFile.toString());
            if (terminal) {
                pty = Pty.open();
                java.io.File slave = new java.io.File(pty.slavePath());
                pb.redirectInput(slave).redirectOutput(slave).redirectError(slave);
            }
            launcher = pb.start();
        } catch (IOException e) {
            closeQuietly(pty);
            throw new ContainerException("start " + nsexec + ": " + e.getMessage(), e);
        }
        ProcessStdio stdio = terminal ? new TerminalStdio(pty) : new PipeStdio(launcher);
        launcher.onExit().thenRun(() -> {
            try {
                syncChannel.write(java.nio.ByteBuffer.wrap(EXITED_LINE));
            } catch (IOException ignored) {
                // The reader is done and closed the channel.
            }
        });
        long pid = 0;
        String outcome = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                Channels.newInputStream(syncChannel), StandardCharsets.UTF_8))) {
            String line;
            while (outcome == null && (line = lines.readLine()) != null) {
                if (line.equals(EXITED)) {
                    break;
                }
                if (line.startsWith("pid ")) {
                    pid = Long.parseLong(line.substring(4).strip());
                } else if (line.equals("ready") || line.startsWith("error ")) {
                    outcome = line;
                } else if (line.startsWith("note ")) {
                    LOG.info("launcher: " + line.substring(5), "state", stateDir.getFileName());
                }
            }
            // "pid" may come after "ready": both writers share the FIFO.
            while (pid == 0 && outcome != null && outcome.equals("ready") && (line = lines.readLine()) != null
                    && !line.equals(EXITED)) {
                if (line.startsWith("pid ")) {
                    pid = Long.parseLong(line.substring(4).strip());
                }
            }
        } catch (IOException e) {
            // The launcher exited and closed the channel: what was read so far decides.
        }
        if (outcome == null || !outcome.equals("ready") || pid == 0) {
            launcher.destroyForcibly();
            if (terminal) {
                stdio.close();
            }
            String reason = outcome != null && outcome.startsWith("error ") ? outcome.substring(6)
                    : "the launcher exited before the process was set up" + stderrTail(launcher);
            throw new ContainerException(reason);
        }
        return new ContainerProcess(launcher, stdio, pid, exec);
    }

    private static void closeQuietly(Pty pty) {
        if (pty != null) {
            try {
                pty.close();
            } catch (IOException ignored) {
                // Nothing left to release.
            }
        }
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
