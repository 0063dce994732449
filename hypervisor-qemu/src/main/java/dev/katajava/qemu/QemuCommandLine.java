package dev.katajava.qemu;

import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for one sandbox VM. No default devices, no NIC, no option ROMs: every device
 * present is one the runtime uses (console, agent channel, shared filesystem). The VM starts paused so
 * the runtime has QMP control before the guest runs.
 */
public final class QemuCommandLine {
    /** Kernel parameters that cut boot time or make a VM guest behave (the set Kata uses, plus ours). */
    static final List<String> BASE_KERNEL_PARAMS = List.of("panic=1", "cryptomgr.notests", "tsc=reliable",
            "no_timer_check", "rcupdate.rcu_expedited=1", "i8042.direct=1", "i8042.dumbkbd=1", "i8042.nopnp=1",
            "i8042.noaux=1", "noreplace-smp", "reboot=k", "net.ifnames=0", "pci=lastbus=0");
    /** Translation-cache size under TCG (MiB): QEMU's default of 1 GiB is far more than a small guest needs. */
    static final int TCG_TB_SIZE_MIB = 128;

    public enum Accel { KVM, TCG }

    private QemuCommandLine() {
    }

    public static Path qmpSocket(VmSpec spec) {
        return spec.runDir().resolve("qmp.sock");
    }

    public static Path consoleLog(VmSpec spec) {
        return spec.runDir().resolve("console.log");
    }

    public static Path pidFile(VmSpec spec) {
        return spec.runDir().resolve("qemu.pid");
    }

    public static List<String> build(VmSpec spec, Accel accel, long tscKhz) {
        boolean microvm = spec.machineType().equals("microvm");
        String bus = microvm ? "device" : "pci";
        List<String> cmd = new ArrayList<>(List.of(
                spec.binary().toString(),
                "-name", "sandbox-" + spec.sandboxId(),
                "-machine", microvm ? "microvm,x-option-roms=off,rtc=off,pit=off,pic=off" : "q35",
                "-accel", accel == Accel.KVM ? "kvm" : "tcg,thread=multi,tb-size=" + TCG_TB_SIZE_MIB,
                "-cpu", accel == Accel.KVM ? "host" : "max",
                "-m", spec.memoryMiB() + "M",
                "-smp", Integer.toString(spec.vcpus()),
                "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-S",
                "-kernel", spec.kernel().toString(),
                "-initrd", spec.initrd().toString(),
                "-append", String.join(" ", kernelParams(spec, accel, tscKhz)),
                "-serial", "file:" + consoleLog(spec),
                "-qmp", "unix:" + qmpSocket(spec) + ",server=on,wait=off",
                "-pidfile", pidFile(spec).toString(),
                "-device", "virtio-serial-" + bus + ",id=serial0",
                "-chardev", "socket,id=agent,path=" + spec.agentSocket() + ",server=on,wait=off",
                "-device", "virtserialport,bus=serial0.0,chardev=agent,name=" + VmSpec.AGENT_PORT_NAME,
                "-fsdev", "local,id=shared,path=" + spec.sharedDir() + ",security_model=none,multidevs=remap",
                "-device", "virtio-9p-" + bus + ",fsdev=shared,mount_tag=" + VmSpec.SHARED_FS_TAG));
        return cmd;
    }

    static List<String> kernelParams(VmSpec spec, Accel accel, long tscKhz) {
        List<String> params = new ArrayList<>();
        params.add("console=ttyS0");
        params.addAll(BASE_KERNEL_PARAMS);
        if (spec.machineType().equals("microvm") && accel == Accel.TCG && tscKhz > 0) {
            // Without it, TSC calibration under TCG hangs in about one microvm boot in five.
            params.add("tsc_early_khz=" + tscKhz);
        }
        params.add(spec.debug() ? "agent.log=debug" : "quiet");
        params.addAll(spec.kernelParams());
        return params;
    }
}
