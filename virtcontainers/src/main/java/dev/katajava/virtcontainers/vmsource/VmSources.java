package dev.katajava.virtcontainers.vmsource;

import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.template.TemplateClone;
import dev.katajava.virtcontainers.vmcache.CacheAdoption;
import java.io.IOException;
import java.time.Clock;

/**
 * The order a sandbox's VM is looked for in: the VM cache when {@code vm_cache_number > 0}, then the template
 * when {@code enable_template}, then a cold boot. Each declining source logs why.
 */
public final class VmSources {
    private static final VmSource CACHE = r -> CacheAdoption.attempt(r.sandboxId(), r.runDir(), r.config(),
            r.share().device(), r.nicSlots(), r.vsockNeeded(), r.provider(), r.paths(), Clock.systemUTC());
    private static final VmSource TEMPLATE = r -> TemplateClone.attempt(r.sandboxId(), r.runDir(), r.config(),
            r.share().device(), r.nicSlots(), r.vsockNeeded(), r.provider(), Clock.systemUTC());
    private static final VmSource COLD = new ColdBoot();

    private VmSources() {
    }

    /** The first VM a source gives; the share is prepared on return, whichever gave it. */
    public static ReadyVm start(VmRequest r) throws IOException, HypervisorException, TtrpcException {
        if (r.config().factory().vmCache()) {
            ReadyVm vm = CACHE.start(r);
            if (vm != null) {
                return vm;
            }
        }
        // A cached VM brings its share, renamed into place (QEMU opened it when it started); every other
        // source needs the sandbox's own prepared first.
        r.share().prepare();
        if (r.config().factory().enableTemplate()) {
            ReadyVm vm = TEMPLATE.start(r);
            if (vm != null) {
                return vm;
            }
        }
        return COLD.start(r);
    }
}
