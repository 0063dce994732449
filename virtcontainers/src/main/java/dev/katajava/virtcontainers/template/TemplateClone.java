package dev.katajava.virtcontainers.template;

import dev.katajava.logging.Log;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.agent.AgentStartup;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.vmsource.ReadyVm;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/**
 * Starts a sandbox's VM as a clone of the template, or says in one log line why it boots cold instead. A clone
 * resumes where the template paused: its agent answers at once, its random pool is then reseeded with host
 * bytes, and its wall clock, which stood still while the template waited, is set.
 */
public final class TemplateClone {
    private static final Log LOG = Log.of("virtcontainers");
    /** Kata sends this many bytes of the host's random source. */
    static final int SEED_BYTES = 512;
    /**
     * A clone's agent answers within a second of the VM running on an idle host; one that takes longer than
     * this is not coming. (10 s was too short: with 36 clones running on 2 cores one took longer and booted
     * cold.)
     */
    static final Duration AGENT_PATIENCE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    private TemplateClone() {
    }

    /**
     * The clone for sandbox {@code id}, or null when the sandbox must boot cold (the reason logged). A clone that
     * failed part way is stopped before null is returned; the run directory is left for the cold boot.
     *
     * @param vsockNeeded why the sandbox needs a vsock agent channel (host socket forwarding), or null
     */
    public static ReadyVm attempt(String id, Path runDir, RuntimeConfig config, ShareDevice share, int nicSlotsNeeded,
                                String vsockNeeded, HypervisorProvider provider, Clock clock) {
        String cold = coldReason(config, share, nicSlotsNeeded, vsockNeeded);
        TemplateCheck check = cold == null ? TemplateCheck.of(config) : new TemplateCheck.Unusable(cold);
        if (check instanceof TemplateCheck.Unusable(String reason)) {
            LOG.info("booting cold, not from the template", "sandbox", id, "why", reason);
            return null;
        }
        TemplateCheck.Usable usable = (TemplateCheck.Usable) check;
        long started = System.nanoTime();
        VmSpec spec = TemplateShape.spec(id, runDir, config, share, new TemplateBoot(TemplateBoot.Role.CLONE,
                usable.files().memory(), usable.files().state()), usable.accelerator());
        Hypervisor vm = null;
        AgentClient agent = null;
        try {
            vm = provider.create(spec);
            vm.start(LaunchBackends.NONE);
            long resumed = System.nanoTime();
            Duration patience = config.agent().dialTimeout().compareTo(AGENT_PATIENCE) < 0
                    ? config.agent().dialTimeout() : AGENT_PATIENCE;
            agent = AgentStartup.connect(AgentChannels.transport(spec.agent()), vm, patience);
            byte[] seed = new byte[SEED_BYTES];
            RANDOM.nextBytes(seed);
            agent.reseedRandomDev(seed);
            agent.setGuestDateTime(clock.instant());
            long now = System.nanoTime();
            LOG.info("VM cloned from the template", "sandbox", id, "pid", vm.pid(), "template",
                    usable.files().dir(), "ms", (now - started) / 1_000_000, "resume_ms",
                    (resumed - started) / 1_000_000, "agent_ms", (now - resumed) / 1_000_000);
            return new ReadyVm(spec, vm, agent, true);
        } catch (IOException | HypervisorException | TtrpcException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            if (vm != null) {
                vm.stop(STOP_GRACE);
            }
            LOG.warn("booting cold, the template clone failed", "sandbox", id, "why", e.getMessage());
            return null;
        }
    }

    /** Why this sandbox cannot use any template (before the template itself is looked at), or null. */
    public static String coldReason(RuntimeConfig config, ShareDevice share, int nicSlotsNeeded, String vsockNeeded) {
        if (share.kind() != ShareDevice.Kind.VIRTIO_9P) {
            return "the shared filesystem is " + share.kind() + ", which needs shared guest RAM a clone does not have";
        }
        if (vsockNeeded != null) {
            return vsockNeeded + " needs a vsock agent channel, and a clone has virtio-serial";
        }
        if (nicSlotsNeeded > TemplateShape.NIC_SLOTS) {
            return "the pod has more network interfaces than the template's " + TemplateShape.NIC_SLOTS
                    + " NIC ports leave room for";
        }
        return null;
    }
}
