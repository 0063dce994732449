package dev.katajava.virtcontainers.fs;

import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.config.VirtioFsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One virtiofsd serving a sandbox's share on a vhost-user socket in the sandbox's run directory. Its pid
 * goes to a pid file there, so a shim that was SIGKILLed has its daemon killed by the janitor; its stderr
 * goes to the shim log.
 */
final class VirtiofsDaemon {
    static final String SOCKET = "vhost-fs.sock";
    static final String PID_FILE = "virtiofsd.pid";
    static final Duration SOCKET_WAIT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final int KEPT_LINES = 5;
    private static final Log LOG = Log.of("virtiofsd");

    private final Process process;
    private final Path pidFile;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final CompletableFuture<Void> stderrClosed = new CompletableFuture<>();

    private VirtiofsDaemon(Process process, Path pidFile) {
        this.process = process;
        this.pidFile = pidFile;
    }

    /** The daemon's argument vector; the options are ones both the C and the Rust virtiofsd accept. */
    static List<String> command(VirtioFsConfig config, Path socket, Path source) {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.daemon().toString());
        cmd.add("--socket-path=" + socket);
        cmd.add("-o");
        cmd.add("source=" + source);
        cmd.add("-o");
        cmd.add("cache=" + config.cache());
        cmd.addAll(config.extraArgs());
        return cmd;
    }

    /** Starts the daemon for {@code source} and returns once its socket exists; kills it if that fails. */
    static VirtiofsDaemon start(VirtioFsConfig config, Path runDir, Path source, String sandboxId, Duration wait)
            throws IOException {
        Path socket = runDir.resolve(SOCKET);
        Files.deleteIfExists(socket);
        Process process = new ProcessBuilder(command(config, socket, source))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        VirtiofsDaemon daemon = new VirtiofsDaemon(process, runDir.resolve(PID_FILE));
        Thread.startVirtualThread(() -> daemon.relayStderr(sandboxId));
        try {
            Files.writeString(daemon.pidFile, process.pid() + "\n");
            daemon.awaitSocket(socket, wait);
        } catch (IOException | RuntimeException e) {
            daemon.stop();
            throw e;
        }
        LOG.info("virtiofsd serving", "sandbox", sandboxId, "pid", process.pid(), "socket", socket);
        return daemon;
    }

    private void awaitSocket(Path socket, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!Files.exists(socket)) {
            try {
                if (process.waitFor(20, TimeUnit.MILLISECONDS)) {
                    awaitLastWords();
                    throw new IOException("virtiofsd exited with code " + process.exitValue()
                            + " before creating " + socket + lastWords());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for virtiofsd", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("virtiofsd did not create " + socket + " within " + wait + lastWords());
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * Ends the daemon and whatever it forked (the C daemon runs its server in a child in new namespaces):
     * SIGTERM, SIGKILL after a grace period, then reaped. Idempotent.
     */
    void stop() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.addFirst(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            if (!awaitExit(p)) {
                p.destroyForcibly();
                awaitExit(p);
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            LOG.warn("cannot remove the virtiofsd pid file", "file", pidFile, "error", e.getMessage());
        }
    }

    private static boolean awaitExit(ProcessHandle p) {
        try {
            p.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void relayStderr(String sandboxId) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                LOG.info(line, "sandbox", sandboxId, "pid", process.pid());
                synchronized (lastLines) {
                    if (lastLines.size() == KEPT_LINES) {
                        lastLines.removeFirst();
                    }
                    lastLines.addLast(line);
                }
            }
        } catch (IOException e) {
            // The daemon is gone.
        } finally {
            stderrClosed.complete(null);
        }
    }

    /** Lets the relay read what the daemon wrote before it exited, so the error can quote it. */
    private void awaitLastWords() throws InterruptedException {
        try {
            stderrClosed.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Quote what there is.
        }
    }

    private String lastWords() {
        synchronized (lastLines) {
            return lastLines.isEmpty() ? "" : "; it said: " + String.join(" | ", lastLines);
        }
    }
}
