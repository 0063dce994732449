package dev.katajava.virtcontainers.template;

import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.agent.AgentStartup;
import dev.katajava.virtcontainers.agent.TrainingContainer;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code kata-runtime factory init | destroy}: makes the template (a VM booted once, its agent up and its hot
 * paths run, then paused with its device state saved and its RAM left in a file on a tmpfs) and removes it.
 */
public final class TemplateFactory {
    private static final Log LOG = Log.of("factory");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Room on the tmpfs beyond guest RAM: the device state (well under 1 MiB) and the template VM's logs. */
    static final long HEADROOM = 16L << 20;
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /**
     * After the host side of the agent's port closes, the agent sees end of file and goes back to waiting for
     * the next connection; the template is saved only after that, so every clone starts with an idle agent.
     */
    private static final Duration AGENT_SETTLE = Duration.ofMillis(500);

    private final HypervisorProvider provider;
    private final TemplateMount mount;

    public TemplateFactory(HypervisorProvider provider, TemplateMount mount) {
        this.provider = provider;
        this.mount = mount;
    }

    /** The result of {@link #init}: whether a template was made, and a line for the user. */
    public record Outcome(boolean made, String message) {
    }

    /** Makes the template for {@code config}, replacing a stale one; a matching one is left as it is. */
    public Outcome init(RuntimeConfig config) throws TemplateException {
        String unsupported = TemplateShape.unsupported(config);
        if (unsupported != null) {
            throw new TemplateException("cannot make a template for this configuration: " + unsupported);
        }
        TemplateCheck check = TemplateCheck.of(config);
        TemplateFiles files = new TemplateFiles(config.factory().templatePath());
        if (check instanceof TemplateCheck.Usable) {
            return new Outcome(false, "template at " + files.dir() + " is up to date");
        }
        if (Files.exists(files.fingerprint())) {
            LOG.info("replacing the template", "path", files.dir(), "why", ((TemplateCheck.Unusable) check).reason());
        }
        destroy(files.dir());
        long started = System.nanoTime();
        long ram = (long) TemplateShape.size(config.hypervisor()).memoryMiB() << 20;
        Hypervisor vm = null;
        try {
            Files.createDirectories(files.dir());
            if (!mount.isMounted(files.dir())) {
                mount.mountTmpfs(files.dir(), ram + HEADROOM);
            }
            long usable = mount.usableBytes(files.dir());
            if (usable < ram + HEADROOM) {
                throw new TemplateException("the tmpfs at " + files.dir() + " has " + (usable >> 20) + " MiB free; the"
                        + " template needs " + ((ram + HEADROOM) >> 20) + " MiB (guest RAM " + (ram >> 20) + " MiB and"
                        + " its state)");
            }
            Path share = Files.createDirectories(files.bootDir().resolve("share"));
            VmSpec spec = TemplateShape.spec("template", files.bootDir(), config, ShareDevice.virtio9p(share),
                    new TemplateBoot(TemplateBoot.Role.TEMPLATE, files.memory(), files.state()),
                    config.hypervisor().accelerator());
            vm = provider.create(spec);
            vm.start(LaunchBackends.NONE);
            String training;
            try (AgentClient agent = AgentStartup.connect(AgentChannels.transport(spec.agent()), vm,
                    config.agent().dialTimeout())) {
                warm(agent);
                training = TrainingContainer.run(agent);
            }
            Thread.sleep(AGENT_SETTLE);
            vm.saveAsTemplate();
            Accelerator accel = vm.acceleratorInUse();
            vm.stop(STOP_GRACE);
            vm = null;
            Files.writeString(files.accelerator(), accel.name() + "\n", StandardCharsets.US_ASCII);
            Path tmp = files.dir().resolve("fingerprint.tmp");
            Files.writeString(tmp, TemplateFingerprint.of(config).render(), StandardCharsets.UTF_8);
            Files.move(tmp, files.fingerprint(), StandardCopyOption.ATOMIC_MOVE);
            MountCleaner.removeTreeIfUnmounted(files.bootDir());
            long ms = (System.nanoTime() - started) / 1_000_000;
            LOG.info("template made", "path", files.dir(), "ms", ms, "accel", accel, "state_bytes",
                    Files.size(files.state()));
            return new Outcome(true, "template made at " + files.dir() + " in " + ms + " ms (" + accel + ", "
                    + (ram >> 20) + " MiB guest RAM; " + training + ")");
        } catch (IOException | HypervisorException | TtrpcException e) {
            String console = vm == null ? "" : vm.consoleTail(1024).strip();
            abandon(vm, files.dir());
            throw new TemplateException("cannot make the template at " + files.dir() + ": " + e.getMessage()
                    + (console.isEmpty() ? "" : "; guest console ends with: " + console), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(vm, files.dir());
            throw new TemplateException("interrupted while making the template at " + files.dir(), e);
        } catch (TemplateException | RuntimeException e) {
            abandon(vm, files.dir());
            throw e;
        }
    }

    /**
     * Runs what every clone's first seconds run in the agent (health, the reseed and clock calls, metrics,
     * network listing), so that a clone's agent has those paths loaded, linked and compiled: the reseed and
     * clock calls link native functions, which took a clone's agent 2 s the first time.
     */
    private static void warm(AgentClient agent) throws TtrpcException {
        byte[] seed = new byte[TemplateClone.SEED_BYTES];
        for (int i = 0; i < 3; i++) {
            RANDOM.nextBytes(seed);
            agent.reseedRandomDev(seed);
            agent.setGuestDateTime(Instant.now());
            agent.check(Duration.ofSeconds(10));
            agent.getMetrics();
            agent.listInterfaces();
            agent.listRoutes();
        }
    }

    private void abandon(Hypervisor vm, Path dir) {
        if (vm != null) {
            vm.stop(STOP_GRACE);
        }
        try {
            destroy(dir);
        } catch (TemplateException e) {
            LOG.warn("cannot remove the unfinished template", "path", dir, "error", e.getMessage());
        }
    }

    /**
     * Removes the template at {@code dir}: its files, then its tmpfs, detached. Sandboxes cloned from it keep
     * running: each maps the memory file privately, which keeps the file's pages until the last of them exits.
     * Returns whether there was anything to remove.
     */
    public boolean destroy(Path dir) throws TemplateException {
        return destroy(dir, mount);
    }

    /** {@link #destroy(Path)} without a hypervisor at hand (removing needs none). */
    public static boolean destroy(Path dir, TemplateMount mount) throws TemplateException {
        if (!Files.exists(dir)) {
            return false;
        }
        try {
            Files.deleteIfExists(new TemplateFiles(dir).fingerprint());
            if (mount.isMounted(dir)) {
                mount.detach(dir);
            }
            MountCleaner.removeTreeIfUnmounted(dir);
            if (Files.exists(dir)) {
                throw new TemplateException("cannot remove the template directory " + dir + " (something is mounted"
                        + " below it)");
            }
            LOG.info("template removed", "path", dir);
            return true;
        } catch (IOException e) {
            throw new TemplateException("cannot remove the template at " + dir + ": " + e.getMessage(), e);
        }
    }
}
