package dev.katajava.agent.container;

import dev.katajava.logging.Log;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code nsexec}, the native launcher, for a container's init or an exec.
 *
 * <p>Starting a process costs the JVM an exec of its spawn helper before the launcher's own: ~0.15 s of every
 * create under emulation. So one launcher with pipes for stdio is started ahead ({@code nsexec -}, which waits
 * for its config's path as the first line on stdin) and handed to the next launch that wants pipes; a
 * terminal gets a launcher of its own, its stdio being the pty. A used spare is replaced once no launch has
 * happened for a moment, so that making it never competes with the process just started; and at once when a
 * sandbox is destroyed, so that a VM template, saved right after, carries one into every clone.
 *
 * <p>Invariant: a spare has been written nothing, so everything on its stdin after the path line is the
 * container's.
 */
public final class Launcher {
    private static final Log LOG = Log.of("container");

    private final Path nsexec;
    private final Duration refillDelay;
    private final ScheduledExecutorService refiller;
    private Process spare;
    private ScheduledFuture<?> refill;

    private Launcher(Path nsexec, Duration refillDelay) {
        this.nsexec = nsexec;
        this.refillDelay = refillDelay;
        this.refiller = refillDelay == null ? null : Executors.newSingleThreadScheduledExecutor(r ->
                Thread.ofPlatform().name("launcher-spare").daemon().unstarted(r));
    }

    /** A launcher that keeps a spare, replaced {@code refillDelay} after the last launch. */
    public static Launcher withSpare(Path nsexec, Duration refillDelay) {
        return new Launcher(nsexec, refillDelay);
    }

    /** A launcher that starts every process afresh. */
    public static Launcher withoutSpare(Path nsexec) {
        return new Launcher(nsexec, null);
    }

    public Path nsexec() {
        return nsexec;
    }

    /** The launcher running {@code config}; with pipes (no terminal) it is the spare when one is ready. */
    Process start(Path config, boolean terminal) throws IOException {
        try {
            if (!terminal) {
                Process ready = takeSpare();
                if (ready != null && handOver(ready, config)) {
                    return ready;
                }
            }
            ProcessBuilder pb = new ProcessBuilder(nsexec.toString(), config.toString());
            if (terminal) {
                // The process gets a pty of the container's own; the launcher's stdio only carries its errors.
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            }
            return pb.start();
        } finally {
            scheduleRefill(refillDelay);
        }
    }

    /** Starts a spare now unless one is there: the agent is idle (a sandbox was just destroyed). */
    public void refillNow() {
        scheduleRefill(Duration.ZERO);
    }

    /** Whether a spare is ready now. */
    synchronized boolean hasSpare() {
        return spare != null && spare.isAlive();
    }

    /** The spare, if any, without taking it. */
    synchronized Process currentSpare() {
        return spare;
    }

    private synchronized Process takeSpare() {
        Process p = spare;
        spare = null;
        return p;
    }

    private static boolean handOver(Process ready, Path config) {
        String path = config.toString();
        if (!ready.isAlive() || path.indexOf('\n') >= 0) {
            ready.destroyForcibly();
            return false;
        }
        try {
            var in = ready.getOutputStream();
            in.write((path + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            return true;
        } catch (IOException e) {
            // It died meanwhile: a fresh one is started instead.
            ready.destroyForcibly();
            return false;
        }
    }

    private synchronized void scheduleRefill(Duration delay) {
        if (refiller == null) {
            return;
        }
        if (refill != null) {
            refill.cancel(false);
        }
        refill = refiller.schedule(this::refill, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refill() {
        synchronized (this) {
            if (spare != null && spare.isAlive()) {
                return;
            }
        }
        try {
            Process p = new ProcessBuilder(nsexec.toString(), "-").start();
            synchronized (this) {
                if (spare == null || !spare.isAlive()) {
                    spare = p;
                    return;
                }
            }
            p.destroyForcibly();
        } catch (IOException e) {
            LOG.warn("cannot start a spare launcher; each launch starts its own", "error", e.getMessage());
        }
    }
}
