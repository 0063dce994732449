package dev.katajava.qemu;

import dev.katajava.qemu.accel.KvmVerdict;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmSpec;

/** The {@code [hypervisor.qemu]} implementation. */
public final class QemuHypervisorProvider implements HypervisorProvider {
    @Override
    public String name() {
        return "qemu";
    }

    /** @throws IllegalArgumentException when the spec asks for something QEMU cannot be given (e.g. machine type) */
    @Override
    public Hypervisor create(VmSpec spec) {
        return new QemuHypervisor(spec, KvmVerdict.fileFor(KvmVerdict.DEFAULT_DIR, spec.binary(), spec.kernel()));
    }
}
