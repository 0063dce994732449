package dev.katajava.virtcontainers.vmcache;

import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.SandboxJanitor;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.agent.AgentStartup;
import dev.katajava.virtcontainers.agent.TrainingContainer;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.fs.SandboxShareLayout;
import dev.katajava.virtcontainers.fs.Virtio9pShare;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.VmHandover;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.template.TemplateFingerprint;
import dev.katajava.virtcontainers.template.TemplateShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Boots the cache's VMs: cold boots in the template's shape (virtio-serial agent channel, 9p, NIC ports), each
 * with its own run directory and an already prepared share tree, since QEMU opens the directory it exports when
 * it starts. The agent must answer Health.Check and run the training container (so the sandbox's first
 * container does not pay for loading the container path) before the VM is paused and cached.
 */
public final class BootedVmSource implements VmSource {
    private static final Log LOG = Log.of("factory");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /** After the host closes its end of the agent port the agent goes back to waiting for the next connection. */
    private static final Duration AGENT_SETTLE = Duration.ofMillis(500);
    /** The file in a run directory naming the run directory its QEMU was started in (see SandboxJanitor). */
    public static final String ORIGIN_FILE = "vmcache.origin";
    /** The file in a cached VM's run directory naming the pid of the server that holds it. */
    static final String SERVER_FILE = "vmcache.server";

    private final RuntimeConfig config;
    private final VmHandover handover;
    private final SandboxPaths paths;
    private final String fingerprint;

    public BootedVmSource(RuntimeConfig config, VmHandover handover, SandboxPaths paths) {
        this.config = config;
        this.handover = handover;
        this.paths = paths;
        this.fingerprint = TemplateFingerprint.of(config).render();
    }

    /** Why this configuration cannot have cached VMs, or null when it can. */
    public static String unsupported(RuntimeConfig config) {
        return TemplateShape.unsupported(config);
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public CachedVm boot() throws VmCacheException, InterruptedException {
        String name = "vmcache-" + HexFormat.of().formatHex(randomBytes());
        Path runDir = paths.runDir(name);
        SandboxShareLayout layout = paths.share(name);
        Virtio9pShare share = new Virtio9pShare(layout);
        Hypervisor vm = null;
        try {
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve(ORIGIN_FILE), runDir + "\n", StandardCharsets.UTF_8);
            Files.writeString(runDir.resolve(SERVER_FILE), ProcessHandle.current().pid() + "\n",
                    StandardCharsets.US_ASCII);
            share.prepare();
            VmSpec spec = TemplateShape.spec(name, runDir, config, share.device(), null,
                    config.hypervisor().accelerator());
            vm = handover.createDetached(spec);
            vm.start(LaunchBackends.NONE);
            try (AgentClient agent = AgentStartup.connect(AgentChannels.transport(spec.agent()), vm,
                    config.agent().dialTimeout())) {
                // A cold agent's first container costs seconds of class loading and linking: pay it here.
                LOG.info("VM for the cache warmed", "vm", name, "training", TrainingContainer.run(agent));
            }
            Thread.sleep(AGENT_SETTLE);
            Accelerator accel = vm.acceleratorInUse();
            handover.pauseAndRelease(vm);
            return new CachedVm(name, vm.pid(), runDir, layout.sandboxDir(), runDir.resolve("qmp.sock"),
                    spec.agent().socket(), spec.size(), accel, fingerprint);
        } catch (IOException | HypervisorException | TtrpcException | RuntimeException e) {
            String console = vm == null ? "" : vm.consoleTail(1024).strip();
            abandon(vm, runDir, share);
            throw new VmCacheException("cannot boot VM " + name + " for the cache: " + e.getMessage()
                    + (console.isEmpty() ? "" : "; guest console ends with: " + console), e);
        } catch (InterruptedException e) {
            abandon(vm, runDir, share);
            throw e;
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void abandon(Hypervisor vm, Path runDir, Virtio9pShare share) {
        if (vm != null) {
            vm.stop(STOP_GRACE);
        }
        share.cleanup();
        MountCleaner.removeTreeIfUnmounted(runDir);
    }

    @Override
    public void discard(CachedVm vm) {
        SandboxJanitor.killIfOwnedBy(vm.pid(), vm.runDir());
        MountCleaner.unmountAllUnder(vm.shareDir());
        MountCleaner.removeTreeIfUnmounted(vm.shareDir());
        MountCleaner.removeTreeIfUnmounted(vm.runDir());
        LOG.info("cached VM discarded", "vm", vm.name(), "pid", vm.pid());
    }

    /**
     * Kills the VMs a cache server left behind when it was killed without stopping (SIGKILL): every
     * {@code vmcache-*} run directory still there belongs to a VM nobody took (adoption moves the directory's
     * files away and removes it), unless the server that holds it still runs (one on another endpoint). Its
     * QEMU is killed (when its command line names the directory) and its directories removed. Returns how many
     * were removed.
     */
    public static int reapOrphans(SandboxPaths paths) {
        List<Path> left;
        try (Stream<Path> dirs = Files.list(paths.vmBase())) {
            left = dirs.filter(d -> d.getFileName().toString().matches("vmcache-[0-9a-f]{16}")
                    && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !serverAlive(d)).toList();
        } catch (IOException e) {
            return 0;
        }
        for (Path runDir : left) {
            String name = runDir.getFileName().toString();
            try {
                long qemu = Long.parseLong(Files.readString(runDir.resolve("qemu.pid")).strip());
                SandboxJanitor.killIfOwnedBy(qemu, runDir);
            } catch (IOException | NumberFormatException e) {
                // No QEMU was started, or it never wrote its pid: there is nothing to kill.
            }
            Path share = paths.share(name).sandboxDir();
            MountCleaner.unmountAllUnder(share);
            MountCleaner.removeTreeIfUnmounted(share);
            MountCleaner.removeTreeIfUnmounted(runDir);
            LOG.info("left-over cached VM removed", "vm", name);
        }
        return left.size();
    }

    /** Whether the cache server that booted the VM in {@code runDir} still runs (not a recycled pid). */
    private static boolean serverAlive(Path runDir) {
        try {
            long pid = Long.parseLong(Files.readString(runDir.resolve(SERVER_FILE)).strip());
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return cmdline.contains("factory");
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
