package dev.katajava.qemu.cmdline;

import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.util.ArrayList;
import java.util.List;

/** The guest kernel command line: the runtime's own words first, then the configuration's. */
public final class KernelParams {
    /**
     * Always present. {@code panic=1} with {@code reboot=k} and QEMU's {@code -no-reboot} turns a guest
     * panic, reboot or poweroff into QEMU exiting; the rest skip work a VM guest does not need
     * (self-tests of the crypto API, timer and TSC sanity checks, legacy keyboard probing, PCI bus scan
     * beyond bus 0). {@code swiotlb=noforce}: because hot-pluggable memory reaches above 4 GiB, the kernel
     * would reserve and zero 64 MiB of bounce buffers, touching that much of every VM's RAM on the host, for
     * devices that never use them: virtio devices without {@code VIRTIO_F_ACCESS_PLATFORM} (ours) address
     * guest memory directly, and the VM has no device limited to 32-bit DMA.
     */
    static final List<String> BUILT_IN = List.of("panic=1", "reboot=k", "cryptomgr.notests", "tsc=reliable",
            "no_timer_check", "rcupdate.rcu_expedited=1", "i8042.direct=1", "i8042.dumbkbd=1", "i8042.nopnp=1",
            "i8042.noaux=1", "noreplace-smp", "net.ifnames=0", "pci=lastbus=0", "swiotlb=noforce");

    /** Where the root image appears in the guest (the first persistent-memory device) and how to mount it. */
    static final List<String> IMAGE_ROOT = List.of("root=/dev/pmem0", "rootfstype=" + VmSpec.IMAGE_FILESYSTEM,
            "rootflags=dax");

    private KernelParams() {
    }

    /**
     * The guest kernel's command line for {@code spec}.
     *
     * @param tscKhz the host's TSC frequency, used on microvm under TCG (0 when unknown)
     */
    public static List<String> of(VmSpec spec, Accel accel, long tscKhz) {
        List<String> params = new ArrayList<>();
        params.add("console=" + MachineKind.of(spec.machineType()).consoleDevice());
        params.addAll(BUILT_IN);
        if (MachineKind.of(spec.machineType()) == MachineKind.MICROVM && accel == Accel.TCG && tscKhz > 0) {
            // Without it, TSC calibration under TCG hangs in about one microvm boot in five.
            params.add("tsc_early_khz=" + tscKhz);
        }
        if (QemuCommandLine.bootOnlineCpus(spec.size(), MachineKind.of(spec.machineType()), accel)) {
            // Present vCPUs beyond these stay offline until the sandbox grows (see QemuCommandLine.smp).
            params.add("maxcpus=" + spec.size().vcpus());
        }
        if (spec.image() != null) {
            // The loader initramfs (kata-init) mounts this and switches to it; the kernel itself ignores root=
            // when an initramfs has /init. DAX maps the image's pages instead of copying them into guest RAM.
            params.addAll(IMAGE_ROOT);
        }
        if (spec.agent().kind().isVsock()) {
            params.add("agent.channel=vsock");
        }
        if (spec.debug()) {
            params.add("agent.log=debug");
        } else {
            params.add("quiet");
        }
        params.addAll(spec.kernelParams());
        return params;
    }
}
