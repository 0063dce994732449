package dev.katajava.qemu.handover;

import dev.katajava.logging.Log;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.MachineKind;
import dev.katajava.qemu.cmdline.QemuCommandLine;
import dev.katajava.qemu.cmdline.RunFiles;
import dev.katajava.qemu.hotplug.Hotplug;
import dev.katajava.qemu.hotplug.NicHotplug;
import dev.katajava.qemu.process.LogTail;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.types.QueryStatusResultStatus;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.qemu.qmp.QmpFdChannel;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A QEMU another process started and paused (the VM cache), taken over by this one: controlled over the QMP
 * socket in its run directory, watched and killed by pid, since it is not this process's child.
 */
public final class AdoptedQemu implements Hypervisor {
    private static final Log LOG = Log.of("qemu");
    /** Not our child: its exit status cannot be collected. */
    public static final int EXIT_UNKNOWN = -1;
    private static final Duration QUIT_ANSWER = Duration.ofSeconds(1);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final VmSpec spec;
    private final RunFiles files;
    private final ProcessHandle process;
    private final Accel accel;
    private final Duration qmpTimeout;
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private volatile QmpClient qmp;
    private VmSize size;
    private Hotplug hotplug;
    private NicHotplug nics;

    private AdoptedQemu(VmSpec spec, ProcessHandle process, Accel accel, Duration qmpTimeout) {
        this.spec = spec;
        this.files = RunFiles.in(spec.runDir());
        this.process = process;
        this.accel = accel;
        this.qmpTimeout = qmpTimeout;
        this.size = spec.size();
    }

    /**
     * Connects to paused QEMU {@code pid} through the QMP socket in {@code spec.runDir()} and lets it run. QEMU
     * is killed when that fails, so a VM that cannot be taken over is not left behind.
     */
    public static AdoptedQemu adopt(VmSpec spec, long pid, Accel accel, Duration qmpTimeout)
            throws HypervisorException {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            throw new HypervisorException("the cached VM's QEMU (pid " + pid + ") is not running");
        }
        if (!runs(handle.get(), spec.binary())) {
            throw new HypervisorException("pid " + pid + " is not " + spec.binary() + "; not taking it over");
        }
        AdoptedQemu q = new AdoptedQemu(spec, handle.get(), accel, qmpTimeout);
        try {
            q.qmp = QmpClient.connect(q.files.qmpSocket(), qmpTimeout, handle.get()::isAlive);
            QmpCommands commands = new QmpCommands(q.qmp);
            QueryStatusResultStatus status = commands.queryStatus(qmpTimeout).status();
            if (status != QueryStatusResultStatus.PAUSED) {
                throw new QmpException("the cached VM reports status " + status + ", not paused");
            }
            commands.cont(qmpTimeout);
        } catch (QmpException e) {
            q.kill();
            throw new HypervisorException("cannot resume the cached VM (QEMU pid " + pid + "): " + e.getMessage(), e);
        }
        var _ = handle.get().onExit().thenAccept(p -> {
            q.closeConnections();
            q.exited.complete(EXIT_UNKNOWN);
        });
        return q;
    }

    /** Whether the process runs {@code binary} (a recycled pid runs something else). */
    private static boolean runs(ProcessHandle p, Path binary) {
        Optional<String> command = p.info().command();
        if (command.isEmpty()) {
            return false;
        }
        try {
            return Files.isSameFile(Path.of(command.get()), binary);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void start(LaunchBackends backends) {
        throw new IllegalStateException("the VM of sandbox " + spec.sandboxId() + " was taken over, not booted");
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public dev.katajava.virtcontainers.hypervisor.Accelerator acceleratorInUse() {
        return accel == Accel.KVM ? dev.katajava.virtcontainers.hypervisor.Accelerator.KVM
                : dev.katajava.virtcontainers.hypervisor.Accelerator.TCG;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        if (process.isAlive()) {
            QmpClient q = qmp;
            if (q != null) {
                try {
                    new QmpCommands(q).quit(QUIT_ANSWER.compareTo(grace) < 0 ? QUIT_ANSWER : grace);
                } catch (QmpException e) {
                    // QEMU may close the connection before it answers quit; waiting for the exit decides.
                }
            }
            if (!awaitExit(grace)) {
                LOG.warn("QEMU did not quit in time; killing it", "sandbox", spec.sandboxId(), "pid", pid(),
                        "grace_ms", grace.toMillis());
            }
        }
        kill();
    }

    private void kill() {
        process.destroyForcibly();
        awaitExit(KILL_WAIT);
        closeConnections();
        if (!process.isAlive()) {
            exited.complete(EXIT_UNKNOWN);
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private synchronized void closeConnections() {
        if (nics != null) {
            nics.close();
            nics = null;
        }
        QmpClient q = qmp;
        if (q != null) {
            q.close();
        }
    }

    @Override
    public synchronized VmSize size() {
        return size;
    }

    @Override
    public synchronized VmSize grow(int vcpus, int memoryMiB) throws HypervisorException {
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
                hotplug = new Hotplug(commands(), qmpTimeout, QemuCommandLine.needsSharedMemory(spec));
            }
            if (wantCpus > size.vcpus()) {
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

    @Override
    public String addNetDevice(NetDevice nic) throws HypervisorException {
        try {
            return nicHotplug().plug(nic);
        } catch (QmpException e) {
            throw new HypervisorException("cannot plug NIC " + nic.id() + " (" + nic.mac() + ") into sandbox "
                    + spec.sandboxId() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void removeNetDevice(String id, Duration wait) throws HypervisorException {
        try {
            nicHotplug().unplug(id, wait);
        } catch (QmpException e) {
            throw new HypervisorException("cannot unplug NIC " + id + " from sandbox " + spec.sandboxId() + ": "
                    + e.getMessage(), e);
        }
    }

    private synchronized NicHotplug nicHotplug() throws QmpException {
        if (spec.nicSlots() == 0) {
            throw new QmpException("the VM was booted without network device ports");
        }
        if (nics == null) {
            nics = new NicHotplug(client(), QmpFdChannel.connect(files.qmpFdSocket(), qmpTimeout), spec.nicSlots(),
                    qmpTimeout);
        }
        return nics;
    }

    private QmpClient client() throws QmpException {
        QmpClient q = qmp;
        if (q == null || !process.isAlive()) {
            throw new QmpException("QEMU for sandbox " + spec.sandboxId() + " is not running");
        }
        return q;
    }

    private QmpCommands commands() throws QmpException {
        return new QmpCommands(client());
    }

    @Override
    public String consoleTail(int maxBytes) {
        return LogTail.read(files.consoleLog(), 0, maxBytes);
    }
}
