package dev.katajava.qemu;

import dev.katajava.qemu.accel.KvmVerdict;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.handover.AdoptedQemu;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmHandover;
import dev.katajava.virtcontainers.hypervisor.VmSpec;

/** The {@code [hypervisor.qemu]} implementation. */
public final class QemuHypervisorProvider implements HypervisorProvider, VmHandover {
    @Override
    public String name() {
        return "qemu";
    }

    /** @throws IllegalArgumentException when the spec asks for something QEMU cannot be given (e.g. machine type) */
    @Override
    public Hypervisor create(VmSpec spec) {
        return new QemuHypervisor(spec, KvmVerdict.fileFor(KvmVerdict.DEFAULT_DIR, spec.binary(), spec.kernel()));
    }

    @Override
    public Hypervisor createDetached(VmSpec spec) {
        QemuHypervisor vm = (QemuHypervisor) create(spec);
        vm.runDetached();
        return vm;
    }

    @Override
    public void pauseAndRelease(Hypervisor vm) throws HypervisorException {
        if (!(vm instanceof QemuHypervisor q)) {
            throw new IllegalArgumentException("not a QEMU VM of this provider: " + vm);
        }
        q.pauseAndRelease();
    }

    @Override
    public Hypervisor adopt(VmSpec spec, long pid, Accelerator accelerator) throws HypervisorException {
        if (accelerator != Accelerator.KVM && accelerator != Accelerator.TCG) {
            throw new IllegalArgumentException("a running VM's accelerator is KVM or TCG, not " + accelerator);
        }
        return AdoptedQemu.adopt(spec, pid, accelerator == Accelerator.KVM ? Accel.KVM : Accel.TCG,
                QemuHypervisor.QMP_TIMEOUT);
    }
}
