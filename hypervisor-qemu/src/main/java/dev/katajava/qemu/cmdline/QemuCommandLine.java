package dev.katajava.qemu.cmdline;

import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for one sandbox VM. No default devices, no NIC, no option ROMs: every device
 * present is one the runtime uses (console, agent channel, shared filesystem). The VM starts paused
 * ({@code -S}) so the runtime has QMP control before the guest runs.
 */
public final class QemuCommandLine {
    /**
     * Translation-block cache under TCG (MiB). QEMU's default reserves 1 GiB per VM, which fills up over a
     * long-lived sandbox's life; a small guest's kernel plus a JVM's hot code fit in far less. Each VM
     * keeps what it filled for its whole life: at 128 the buffer was ~105 MiB of every QEMU's memory once
     * the agent was up; 64 started the agent as fast (docs/benchmarks.md).
     */
    static final int TCG_TB_SIZE_MIB = 64;
    /**
     * The CPU model under TCG. "max" is every feature TCG emulates; it boots Debian's kernel fastest of
     * the models tried (qemu64, Nehalem, Haswell-noTSX are 8-30% slower) and gives a JVM SSE4.2/AVX2.
     * Without ERMS and FSRM, though: with them the guest kernel copies and clears memory with
     * {@code rep movsb}/{@code rep stosb}, which TCG runs one byte per iteration; without them it uses
     * 8-byte strings. A guest's own {@code dd} to /dev/null went from ~750 MB/s to ~3.8 GB/s and
     * container stdout through the host from ~24 to ~44 MB/s.
     */
    static final String TCG_CPU = "max,-erms,-fsrm";
    /** The id of the guest RAM object when it has to be a shared memfd (vhost-user devices). */
    static final String RAM_ID = "ram";
    /** The virtqueue size of the vhost-user-fs device, as Kata sets it. */
    static final int VIRTIO_FS_QUEUE_SIZE = 1024;
    /** The id of the root image's memory object. */
    static final String IMAGE_ID = "rootimg";
    /**
     * The image takes its size of the hot-plug memory area, ahead of any DIMM plugged later; the guest
     * accepts hot-plugged memory only in whole 128 MiB blocks on 128 MiB boundaries, so an image must be a
     * whole number of them.
     */
    static final long IMAGE_ALIGNMENT = 128L << 20;

    private QemuCommandLine() {
    }

    /** The full argument vector, binary first. */
    public static List<String> build(VmSpec spec, Accel accel, long tscKhz) {
        MachineKind machine = MachineKind.of(spec.machineType());
        RunFiles files = RunFiles.in(spec.runDir());
        List<String> cmd = new ArrayList<>();
        cmd.add(spec.binary().toString());
        add(cmd, "-name", "sandbox-" + spec.sandboxId());
        if (spec.template() != null) {
            TemplateMemory.ram(cmd, spec, machine);
        } else if (needsSharedMemory(spec)) {
            // A vhost-user backend reads guest RAM itself: the RAM must be a shared, fd-backed object.
            add(cmd, "-object", "memory-backend-memfd,id=" + RAM_ID + ",size=" + spec.size().memoryMiB() + "M,share=on");
            add(cmd, "-machine", machine.machineArg() + ",memory-backend=" + RAM_ID);
        } else {
            add(cmd, "-machine", machine.machineArg());
        }
        if (accel == Accel.KVM) {
            add(cmd, "-accel", "kvm");
            add(cmd, "-cpu", "host");
        } else {
            add(cmd, "-accel", "tcg,thread=multi,tb-size=" + TCG_TB_SIZE_MIB);
            add(cmd, "-cpu", TCG_CPU);
        }
        long imageBytes = imageBytes(spec, machine);
        add(cmd, "-m", memory(spec.size(), machine, imageBytes));
        add(cmd, "-smp", smp(spec.size(), machine, accel));
        cmd.addAll(List.of("-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-S"));
        add(cmd, "-kernel", spec.kernel().toString());
        add(cmd, "-initrd", spec.initrd().toString());
        add(cmd, "-append", String.join(" ", KernelParams.of(spec, accel, tscKhz)));
        add(cmd, "-serial", "file:" + optionPath(files.consoleLog()));
        add(cmd, "-qmp", "unix:" + optionPath(files.qmpSocket()) + ",server=on,wait=off");
        add(cmd, "-pidfile", files.pidFile().toString());
        agentDevices(cmd, spec, machine, files);
        shareDevices(cmd, spec.share(), machine);
        nicPorts(cmd, spec, machine, files);
        rootImage(cmd, spec, imageBytes);
        if (spec.template() != null) {
            TemplateMemory.devices(cmd, spec, machine);
        } else if (spec.reclaimFreedMemory()) {
            // The guest reports pages it has freed (the initramfs once unpacked, a container's memory once
            // it exits); QEMU drops them, so the host gets them back instead of keeping every page ever touched.
            add(cmd, "-device", machine.virtio("balloon") + ",id=balloon0,free-page-reporting=on");
        }
        return cmd;
    }

    /**
     * The root image as a virtio-pmem device: QEMU maps the file read-only and shared, so its pages are the
     * host's page cache, one copy for every VM that boots it, and the guest reads (with DAX, maps) them in
     * place instead of unpacking its own copy of an initramfs into its RAM.
     */
    private static void rootImage(List<String> cmd, VmSpec spec, long imageBytes) {
        if (spec.image() == null) {
            return;
        }
        add(cmd, "-object", "memory-backend-file,id=" + IMAGE_ID + ",mem-path=" + optionPath(spec.image())
                + ",size=" + imageBytes + ",share=on,readonly=on");
        add(cmd, "-device", "virtio-pmem-pci,id=" + IMAGE_ID + "0,memdev=" + IMAGE_ID);
    }

    /** The root image's size (0 without one), checked against what the device and the guest accept. */
    static long imageBytes(VmSpec spec, MachineKind machine) {
        if (spec.image() == null) {
            return 0;
        }
        if (!machine.supportsHotplug()) {
            throw new IllegalArgumentException("machine type " + spec.machineType() + " cannot attach the root image "
                    + spec.image() + " (a virtio-pmem PCI device in the hot-plug memory area): use q35");
        }
        long bytes;
        try {
            bytes = Files.size(spec.image());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the root image " + spec.image() + ": " + e, e);
        }
        if (bytes == 0 || bytes % IMAGE_ALIGNMENT != 0) {
            throw new IllegalArgumentException("the root image " + spec.image() + " is " + bytes
                    + " bytes, not a whole number of 128 MiB (build it with guest-image/root-image.sh)");
        }
        return bytes;
    }

    /**
     * PCIe root ports for network devices plugged after boot (the q35 root bus takes no hot-plug), and a
     * second QMP monitor through which their tap descriptors are handed over.
     */
    private static void nicPorts(List<String> cmd, VmSpec spec, MachineKind machine, RunFiles files) {
        if (spec.nicSlots() == 0) {
            return;
        }
        if (!machine.supportsHotplug()) {
            throw new IllegalArgumentException("machine type " + spec.machineType()
                    + " has no PCI hot-plug for the pod's network interfaces (use q35, or internetworking_model"
                    + " = \"none\")");
        }
        for (int i = 0; i < spec.nicSlots(); i++) {
            int slot = NicPorts.FIRST_SLOT + i;
            add(cmd, "-device", "pcie-root-port,id=" + NicPorts.portId(i) + ",bus=pcie.0,chassis=" + slot
                    + ",addr=0x" + Integer.toHexString(slot));
        }
        add(cmd, "-chardev", "socket,id=qmpfd,path=" + optionPath(files.qmpFdSocket()) + ",server=on,wait=off");
        add(cmd, "-mon", "chardev=qmpfd,mode=control");
    }

    /** Whether guest RAM, booted and hot-plugged, must be shared memory a vhost-user backend can map. */
    public static boolean needsSharedMemory(VmSpec spec) {
        return spec.agent().kind() == AgentEndpoint.Kind.VHOST_USER_VSOCK
                || spec.share().kind() == ShareDevice.Kind.VIRTIO_FS;
    }

    private static void shareDevices(List<String> cmd, ShareDevice share, MachineKind machine) {
        switch (share.kind()) {
            case VIRTIO_9P -> {
                add(cmd, "-fsdev", "local,id=shared,path=" + optionPath(share.path())
                        + ",security_model=none,multidevs=remap");
                add(cmd, "-device", machine.virtio("9p") + ",fsdev=shared,mount_tag=" + VmSpec.SHARED_FS_TAG);
            }
            case VIRTIO_FS -> {
                add(cmd, "-chardev", "socket,id=vfs,path=" + optionPath(share.path()));
                add(cmd, "-device", machine.vhostUser("fs") + ",chardev=vfs,tag=" + VmSpec.SHARED_FS_TAG
                        + ",queue-size=" + VIRTIO_FS_QUEUE_SIZE);
            }
        }
    }

    /** The agent's channel: exactly one of a virtio-serial port, a vhost-user-vsock or a vhost-vsock device. */
    private static void agentDevices(List<String> cmd, VmSpec spec, MachineKind machine, RunFiles files) {
        AgentEndpoint agent = spec.agent();
        switch (agent.kind()) {
            case VIRTIO_SERIAL -> {
                add(cmd, "-device", machine.virtio("serial") + ",id=serial0");
                add(cmd, "-chardev", "socket,id=agent,path=" + optionPath(agent.socket()) + ",server=on,wait=off");
                add(cmd, "-device", "virtserialport,bus=serial0.0,chardev=agent,name=" + VmSpec.AGENT_PORT_NAME);
            }
            case VHOST_USER_VSOCK -> {
                add(cmd, "-chardev", "socket,id=vsock,path=" + optionPath(files.vhostUserVsockSocket()));
                add(cmd, "-device", machine.vhostUser("vsock") + ",chardev=vsock");
            }
            case VHOST_VSOCK -> add(cmd, "-device", machine.vhost("vsock") + ",guest-cid=" + agent.cid());
        }
    }

    /**
     * Boot vCPUs, with room for hot-plug up to the maximum where the machine has it. Under TCG every vCPU up to
     * the maximum is present from boot and the guest brings up only the boot ones ({@link #bootOnlineCpus}):
     * QEMU 7.2 hands each vCPU thread a share of the translation buffer when it starts, and a vCPU plugged
     * once the running ones have taken every share aborts QEMU. Growing then means onlining in the guest.
     */
    static String smp(VmSize size, MachineKind machine, Accel accel) {
        if (!machine.supportsHotplug() || size.maxVcpus() == size.vcpus()) {
            return Integer.toString(size.vcpus());
        }
        if (accel == Accel.TCG) {
            return Integer.toString(size.maxVcpus());
        }
        return size.vcpus() + ",maxcpus=" + size.maxVcpus();
    }

    /** Whether vCPUs beyond the boot ones are present but left offline (TCG), rather than hot-plugged later. */
    public static boolean bootOnlineCpus(VmSize size, MachineKind machine, Accel accel) {
        return accel == Accel.TCG && machine.supportsHotplug() && size.maxVcpus() > size.vcpus();
    }

    /**
     * Boot memory, with DIMM slots up to the maximum where the machine has memory hot-plug. A root image takes
     * its size of the hot-plug area on top (maxmem), so it leaves the room for memory hot-plug as it was.
     */
    static String memory(VmSize size, MachineKind machine, long imageBytes) {
        long imageMiB = imageBytes >> 20;
        if (!machine.supportsHotplug() || !size.canHotplugMemory()) {
            if (imageMiB == 0) {
                return size.memoryMiB() + "M";
            }
            return "size=" + size.memoryMiB() + "M,maxmem=" + (size.memoryMiB() + imageMiB) + "M";
        }
        return "size=" + size.memoryMiB() + "M,slots=" + size.memorySlots() + ",maxmem="
                + (size.maxMemoryMiB() + imageMiB) + "M";
    }

    /**
     * A path that goes inside a QEMU option list, where a comma would start the next option. QEMU's
     * escape (doubling) is not understood by every legacy form (-serial file:), so such paths are refused.
     */
    static String optionPath(Path path) {
        String s = path.toString();
        if (s.indexOf(',') >= 0) {
            throw new IllegalArgumentException("QEMU cannot be given a path containing a comma: " + s);
        }
        return s;
    }

    static void add(List<String> cmd, String flag, String value) {
        cmd.add(flag);
        cmd.add(value);
    }
}
