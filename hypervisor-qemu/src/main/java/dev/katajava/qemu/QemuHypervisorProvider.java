package dev.katajava.qemu;

import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmSpec;

/** The {@code [hypervisor.qemu]} implementation. */
public final class QemuHypervisorProvider implements HypervisorProvider {
    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public Hypervisor create(VmSpec spec) {
        return new QemuHypervisor(spec, new KvmVerdict(KvmVerdict.DEFAULT_FILE));
    }
}
