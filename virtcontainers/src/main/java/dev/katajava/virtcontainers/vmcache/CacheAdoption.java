package dev.katajava.virtcontainers.vmcache;

import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.SandboxJanitor;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.agent.AgentStartup;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.fs.SandboxShareLayout;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmHandover;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.template.TemplateClone;
import dev.katajava.virtcontainers.template.TemplateFingerprint;
import dev.katajava.virtcontainers.template.TemplateShape;
import dev.katajava.virtcontainers.vmsource.ReadyVm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gives a sandbox a VM from the cache, or says in one log line why it boots cold. The VM's share directory is
 * renamed to the sandbox's and its run directory's files moved into the sandbox's (QEMU keeps its listening
 * sockets, open files and exported directory across a rename), so that from here on the sandbox owns the VM exactly as one it booted: the same paths are
 * cleaned up, the same pid file is found by {@code delete} after a shim was killed. Kata links the sandbox's
 * share path to the VM's instead; a rename also makes the mount table name the sandbox's paths, which the
 * cleanup goes by, and leaves no link to follow.
 */
public final class CacheAdoption {
    private static final Log LOG = Log.of("virtcontainers");
    /**
     * The VM has been running its agent all along: one that takes longer than this is not coming. As for
     * clones, 10 s was too short on a host with a dozen emulated guests on 2 cores.
     */
    private static final Duration AGENT_PATIENCE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private CacheAdoption() {
    }

    /**
     * The cached VM, running, with its agent dialled and its clock set, for sandbox {@code id}; or null when
     * the sandbox must boot cold (the reason logged, the run and share directories as they were: absent).
     *
     * @param runDir      the sandbox's run directory, made already: the VM's files are moved into it
     * @param share       the share device the sandbox's configuration asks for (only 9p can be cached)
     * @param vsockNeeded why the sandbox needs a vsock agent channel, or null
     */
    public static ReadyVm attempt(String id, Path runDir, RuntimeConfig config, ShareDevice share,
                                              int nicSlotsNeeded, String vsockNeeded, HypervisorProvider provider, SandboxPaths paths,
                                              Clock clock) {
        String cold = TemplateClone.coldReason(config, share, nicSlotsNeeded, vsockNeeded);
        if (cold == null) {
            cold = TemplateShape.unsupported(config);
        }
        if (cold == null && !(provider instanceof VmHandover)) {
            cold = "hypervisor " + provider.name() + " cannot take over a VM another process booted";
        }
        if (cold != null) {
            LOG.info("booting cold, not from the VM cache", "sandbox", id, "why", cold);
            return null;
        }
        long started = System.nanoTime();
        Path endpoint = config.factory().vmCacheEndpoint();
        VmCacheClient.Taken taken = VmCacheClient.take(endpoint, TemplateFingerprint.of(config).render());
        if (taken instanceof VmCacheClient.Cold(String reason)) {
            LOG.info("booting cold, not from the VM cache", "sandbox", id, "why", reason);
            return null;
        }
        CachedVm vm = ((VmCacheClient.Vm) taken).vm();
        SandboxShareLayout layout = paths.share(id);
        Hypervisor hypervisor = null;
        AgentClient agent = null;
        List<Path> moved = new ArrayList<>();
        try {
            requireOwnDirs(vm, paths);
            moveEntries(vm.runDir(), runDir, moved);
            move(vm.shareDir(), layout.sandboxDir());
            VmSpec spec = TemplateShape.spec(id, runDir, config, ShareDevice.virtio9p(layout.shared()), null,
                    vm.accelerator());
            long took = System.nanoTime();
            hypervisor = ((VmHandover) provider).adopt(spec, vm.pid(), vm.accelerator());
            long resumed = System.nanoTime();
            Duration patience = config.agent().dialTimeout().compareTo(AGENT_PATIENCE) < 0
                    ? config.agent().dialTimeout() : AGENT_PATIENCE;
            agent = AgentStartup.connect(AgentChannels.transport(spec.agent()), hypervisor, patience);
            // The VM may have waited paused for hours: its wall clock stood still meanwhile.
            agent.setGuestDateTime(clock.instant());
            long now = System.nanoTime();
            LOG.info("VM taken from the VM cache", "sandbox", id, "vm", vm.name(), "pid", vm.pid(),
                    "ms", (now - started) / 1_000_000, "take_ms", (took - started) / 1_000_000,
                    "resume_ms", (resumed - took) / 1_000_000, "agent_ms", (now - resumed) / 1_000_000);
            return new ReadyVm(spec, hypervisor, agent, true);
        } catch (VmCacheException | IOException | HypervisorException | TtrpcException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            if (hypervisor != null) {
                hypervisor.stop(STOP_GRACE);
            } else {
                SandboxJanitor.killIfOwnedBy(vm.pid(), vm.runDir());
            }
            // Whatever was moved is the sandbox's now; whatever was not is still the VM's: both go.
            for (Path dir : new Path[] {layout.sandboxDir(), vm.shareDir()}) {
                MountCleaner.unmountAllUnder(dir);
                MountCleaner.removeTreeIfUnmounted(dir);
            }
            for (Path f : moved) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException io) {
                    LOG.warn("cannot remove a cached VM's file", "file", f, "error", io.getMessage());
                }
            }
            MountCleaner.removeTreeIfUnmounted(vm.runDir());
            LOG.warn("booting cold, the cached VM could not be taken over", "sandbox", id, "vm", vm.name(),
                    "why", e.getMessage());
            return null;
        }
    }

    /**
     * The directories named in the answer must be a cached VM's under this runtime's bases, real directories
     * (not links), and the sandbox's must not exist yet: nothing outside is moved or removed.
     */
    static void requireOwnDirs(CachedVm vm, SandboxPaths paths) throws VmCacheException {
        if (!vm.runDir().equals(paths.runDir(vm.name()))) {
            throw new VmCacheException("the cached VM's run directory " + vm.runDir() + " is not "
                    + paths.runDir(vm.name()));
        }
        if (!vm.shareDir().equals(paths.share(vm.name()).sandboxDir())) {
            throw new VmCacheException("the cached VM's share directory " + vm.shareDir() + " is not "
                    + paths.share(vm.name()).sandboxDir());
        }
        for (Path dir : new Path[] {vm.runDir(), vm.shareDir()}) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new VmCacheException("the cached VM's directory " + dir + " is not a directory");
            }
        }
    }

    /**
     * Moves the files of the VM's run directory (sockets, pid file, logs) into the sandbox's, which the pod
     * network has started using already, and removes the VM's; {@code moved} collects what was moved.
     */
    private static void moveEntries(Path from, Path to, List<Path> moved) throws IOException {
        List<Path> entries;
        try (Stream<Path> list = Files.list(from)) {
            entries = list.toList();
        }
        for (Path entry : entries) {
            if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("the cached VM's run directory holds a directory, " + entry);
            }
            Path target = to.resolve(entry.getFileName());
            move(entry, target);
            moved.add(target);
        }
        Files.delete(from);
    }

    private static void move(Path from, Path to) throws IOException {
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(to + " exists already");
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }
}
