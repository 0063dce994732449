package dev.katajava.qemu.hotplug;

import dev.katajava.logging.Log;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.MachineKind;
import dev.katajava.qemu.cmdline.QemuCommandLine;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.qemu.qmp.QmpFdChannel;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a running VM gains after its start: vCPUs and memory (it only grows) and pod NICs, over the QMP
 * connection of whatever runs its QEMU (a process started here, or one adopted from the VM cache).
 *
 * <p>Invariant: {@link #size()} is what the VM has, recorded after each plugged step, so a failure part way
 * leaves it true.
 */
public final class LiveDevices {
    private static final Log LOG = Log.of("qemu");

    /** The running VM's QMP connection; fails when its QEMU is not running. */
    @FunctionalInterface
    public interface Connection {
        QmpClient get() throws QmpException;
    }

    private final VmSpec spec;
    private final Path qmpFdSocket;
    private final Duration qmpTimeout;
    private final Connection qmp;
    private VmSize size;
    private Hotplug hotplug;
    private NicHotplug nics;

    public LiveDevices(VmSpec spec, Path qmpFdSocket, Duration qmpTimeout, Connection qmp) {
        this.spec = spec;
        this.qmpFdSocket = qmpFdSocket;
        this.qmpTimeout = qmpTimeout;
        this.qmp = qmp;
        this.size = spec.size();
    }

    public synchronized VmSize size() {
        return size;
    }

    /** Grows the VM toward {@code vcpus} and {@code memoryMiB}, within its maxima; never shrinks it. */
    public synchronized VmSize grow(int vcpus, int memoryMiB, Accel accel) throws HypervisorException {
        MachineKind machine = MachineKind.of(spec.machineType());
        if (!machine.supportsHotplug()) {
            return size;
        }
        int wantCpus = Math.min(vcpus, size.maxVcpus());
        int addMemory = size.canHotplugMemory()
                ? Math.min(Hotplug.roundToBlocks(Math.max(0, memoryMiB - size.memoryMiB())),
                        (size.maxMemoryMiB() - size.memoryMiB()) / Hotplug.MEMORY_BLOCK_MIB * Hotplug.MEMORY_BLOCK_MIB)
                : 0;
        if (wantCpus <= size.vcpus() && addMemory == 0) {
            return size;
        }
        try {
            if (hotplug == null) {
                hotplug = new Hotplug(new QmpCommands(qmp.get()), qmpTimeout, QemuCommandLine.needsSharedMemory(spec));
            }
            if (wantCpus > size.vcpus()) {
                // Under TCG they are present already, offline; the guest onlines them.
                int cpus = QemuCommandLine.bootOnlineCpus(spec.size(), machine, accel)
                        ? wantCpus : size.vcpus() + hotplug.addVcpus(wantCpus - size.vcpus());
                size = new VmSize(cpus, size.maxVcpus(), size.memoryMiB(), size.maxMemoryMiB(), size.memorySlots());
            }
            if (addMemory > 0) {
                hotplug.addMemory(addMemory);
                size = new VmSize(size.vcpus(), size.maxVcpus(), size.memoryMiB() + addMemory, size.maxMemoryMiB(),
                        size.memorySlots());
            }
            LOG.info("VM grown by hot-plug", "sandbox", spec.sandboxId(), "vcpus", size.vcpus(),
                    "memory_mib", size.memoryMiB());
            return size;
        } catch (QmpException e) {
            throw new HypervisorException("hot-plug on sandbox " + spec.sandboxId() + " failed: " + e.getMessage(), e);
        }
    }

    /** Plugs {@code nic} into a free NIC port; returns the id of the device plugged. */
    public String addNetDevice(NetDevice nic) throws HypervisorException {
        try {
            return nicHotplug().plug(nic);
        } catch (QmpException e) {
            throw new HypervisorException("cannot plug NIC " + nic.id() + " (" + nic.mac() + ") into sandbox "
                    + spec.sandboxId() + ": " + e.getMessage(), e);
        }
    }

    public void removeNetDevice(String id, Duration wait) throws HypervisorException {
        try {
            nicHotplug().unplug(id, wait);
        } catch (QmpException e) {
            throw new HypervisorException("cannot unplug NIC " + id + " from sandbox " + spec.sandboxId() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Closes the NIC plugging channel, for a VM that ended; a later call would open it again. */
    public synchronized void close() {
        if (nics != null) {
            nics.close();
            nics = null;
        }
    }

    private synchronized NicHotplug nicHotplug() throws QmpException {
        if (spec.nicSlots() == 0) {
            throw new QmpException("the VM was booted without network device ports");
        }
        if (nics == null) {
            nics = new NicHotplug(qmp.get(), QmpFdChannel.connect(qmpFdSocket, qmpTimeout), spec.nicSlots(),
                    qmpTimeout);
        }
        return nics;
    }
}
