package dev.katajava.virtcontainers.vmsource;

import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.agent.AgentStartup;
import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.time.Duration;

/** Boots the sandbox's own VM, sized for its workload; it never declines. */
final class ColdBoot implements VmSource {
    private static final Log LOG = Log.of("virtcontainers");
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);

    /** A VM that fails to come up is stopped here, and the exception carries the end of its console. */
    @Override
    public ReadyVm start(VmRequest r) throws IOException, HypervisorException {
        HypervisorConfig hv = r.config().hypervisor();
        VmSpec spec = new VmSpec(r.sandboxId(), r.runDir(), hv.path(), hv.kernel(), hv.initrd(), hv.machineType(),
                hv.kernelParams(), r.size(), hv.accelerator(), r.share().device(),
                AgentChannels.choose(r.config().agent().transport(), r.runDir()), r.config().debug(), r.nicSlots(),
                hv.image(), hv.reclaimGuestFreedMemory());
        Hypervisor vm = r.provider().create(spec);
        try {
            vm.start(r.share()::startBackend);
            LOG.info("VM started", "sandbox", r.sandboxId(), "pid", vm.pid());
            AgentClient agent = AgentStartup.connect(AgentChannels.transport(spec.agent()), vm,
                    r.config().agent().dialTimeout());
            return new ReadyVm(spec, vm, agent, false);
        } catch (IOException | HypervisorException | RuntimeException e) {
            String console = vm.consoleTail(2048).strip();
            vm.stop(STOP_GRACE);
            if (console.isEmpty()) {
                throw e;
            }
            throw new HypervisorException(e.getMessage() + "; guest console ends with: " + console, e);
        }
    }
}
