package dev.katajava.qemu.handover;

import dev.katajava.logging.Log;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.RunFiles;
import dev.katajava.qemu.hotplug.LiveDevices;
import dev.katajava.qemu.process.LogTail;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.types.QueryStatusResultStatus;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
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
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private volatile QmpClient qmp;
    private final LiveDevices devices;

    private AdoptedQemu(VmSpec spec, ProcessHandle process, Accel accel, Duration qmpTimeout) {
        this.spec = spec;
        this.files = RunFiles.in(spec.runDir());
        this.process = process;
        this.accel = accel;
        this.devices = new LiveDevices(spec, files.qmpFdSocket(), qmpTimeout, this::client);
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

    private void closeConnections() {
        devices.close();
        QmpClient q = qmp;
        if (q != null) {
            q.close();
        }
    }

    @Override
    public VmSize size() {
        return devices.size();
    }

    @Override
    public VmSize grow(int vcpus, int memoryMiB) throws HypervisorException {
        return devices.grow(vcpus, memoryMiB, accel);
    }

    @Override
    public String addNetDevice(NetDevice nic) throws HypervisorException {
        return devices.addNetDevice(nic);
    }

    @Override
    public void removeNetDevice(String id, Duration wait) throws HypervisorException {
        devices.removeNetDevice(id, wait);
    }

    private QmpClient client() throws QmpException {
        QmpClient q = qmp;
        if (q == null || !process.isAlive()) {
            throw new QmpException("QEMU for sandbox " + spec.sandboxId() + " is not running");
        }
        return q;
    }

    @Override
    public String consoleTail(int maxBytes) {
        return LogTail.read(files.consoleLog(), 0, maxBytes);
    }
}
