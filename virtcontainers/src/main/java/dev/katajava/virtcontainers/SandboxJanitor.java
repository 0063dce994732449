package dev.katajava.virtcontainers;

import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.network.NetworkRecord;
import dev.katajava.virtcontainers.oci.OciSpecException;
import dev.katajava.virtcontainers.vmcache.BootedVmSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Removes what a shim that died left behind: its VMM and virtiofsd processes, the sandbox share, run and
 * shim directories.
 * Every step is idempotent, so it is safe on a sandbox that was already cleaned up.
 */
public final class SandboxJanitor {
    private static final Log LOG = Log.of("virtcontainers");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private SandboxJanitor() {
    }

    /**
     * Kills the sandbox's VMM and virtiofsd (found through pid files in its run directory) and removes its host
     * state.
     */
    public static void cleanupSandbox(String sandboxId, SandboxPaths paths) {
        Path runDir = paths.runDir(sandboxId);
        for (long pid : pidsFromRunDir(runDir)) {
            killIfOwnedBy(pid, runDir);
        }
        NetworkRecord.cleanup(runDir);
        MountCleaner.unmountAllUnder(paths.share(sandboxId).sandboxDir());
        MountCleaner.removeTreeIfUnmounted(paths.share(sandboxId).sandboxDir());
        MountCleaner.removeTreeIfUnmounted(runDir);
        try {
            MountCleaner.removeTreeIfUnmounted(paths.shimDir(sandboxId));
        } catch (OciSpecException e) {
            // An id no shim could have served has no directory to remove.
        }
    }

    /** Unshares one container's rootfs from a sandbox that keeps running. */
    public static void cleanupContainer(String sandboxId, String containerId, SandboxPaths paths) {
        Path dir = paths.share(sandboxId).containerRootfs(containerId).getParent();
        MountCleaner.unmountAllUnder(dir);
        MountCleaner.removeTreeIfUnmounted(dir);
    }

    static List<Long> pidsFromRunDir(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pid"))
                    .map(SandboxJanitor::readPid)
                    .filter(pid -> pid > 1)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The run directory a VM taken from the VM cache was started in, which its command line names (its files
     * were moved to the sandbox's); null for a VM booted here.
     */
    private static String bootedIn(Path runDir) {
        try {
            String origin = Files.readString(runDir.resolve(BootedVmSource.ORIGIN_FILE)).strip();
            return origin.startsWith("/") && origin.length() > 1 ? origin : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * SIGKILLs {@code pid} only if its command line names {@code runDir} (or the directory a VM taken from the
     * VM cache was booted in), so a recycled pid is left alone, and waits until it is gone.
     */
    public static void killIfOwnedBy(long pid, Path runDir) {
        var handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return;
        }
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);
            String origin = bootedIn(runDir);
            if (!cmdline.contains(runDir.toString()) && (origin == null || !cmdline.contains(origin))) {
                return;
            }
            handle.get().destroyForcibly();
            LOG.info("killed a leftover process", "pid", pid, "runDir", runDir);
            handle.get().onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            // Gone already.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("process did not exit after SIGKILL", "pid", pid, "runDir", runDir);
        }
    }
}
