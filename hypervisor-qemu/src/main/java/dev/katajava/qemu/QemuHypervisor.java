package dev.katajava.qemu;

import dev.katajava.logging.Log;
import dev.katajava.qemu.accel.AcceleratorSelector;
import dev.katajava.qemu.accel.HostFacts;
import dev.katajava.qemu.accel.KvmVerdict;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.QemuCommandLine;
import dev.katajava.qemu.cmdline.RunFiles;
import dev.katajava.qemu.hotplug.LiveDevices;
import dev.katajava.qemu.process.ConsoleRelay;
import dev.katajava.qemu.process.LogTail;
import dev.katajava.qemu.process.QemuProcess;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.qemu.template.StateMigration;
import dev.katajava.vhostuser.VhostUserVsockBackend;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A QEMU process for one sandbox, controlled over QMP. The accelerator is resolved at {@link #start} by
 * {@link AcceleratorSelector}; everything QEMU writes lands in the sandbox's run directory.
 */
public final class QemuHypervisor implements Hypervisor {
    private static final Log LOG = Log.of("qemu");
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUIT_ANSWER = Duration.ofSeconds(1);
    /** Saving or loading a template's device state (a few hundred KiB; slow only on a loaded host). */
    private static final Duration MIGRATION_TIMEOUT = Duration.ofSeconds(60);

    private final VmSpec spec;
    private final RunFiles files;
    private final AcceleratorSelector selector;
    private final Duration qmpTimeout;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private volatile Process lastSpawned;
    private volatile QemuProcess vm;
    private volatile Accel accel;
    private final LiveDevices devices;
    private volatile VhostUserVsockBackend vsockBackend;
    /** Run QEMU in a session of its own, for VMs another process takes over (the VM cache). */
    private volatile boolean detached;

    /** A hypervisor that remembers a failed KVM probe in {@code kvmVerdictFile}. */
    public QemuHypervisor(VmSpec spec, Path kvmVerdictFile) {
        this(spec, kvmVerdictFile, QMP_TIMEOUT);
    }

    /**
     * A hypervisor whose KVM probe trusts the guest once {@code guestRuns} holds for its console, for guests
     * other than ours (a bare boot's own init).
     */
    public QemuHypervisor(VmSpec spec, Path kvmVerdictFile, Predicate<String> guestRuns) {
        this(spec, new AcceleratorSelector(new KvmVerdict(kvmVerdictFile), HostFacts::kvmOpenable,
                AcceleratorSelector.DEFAULT_PROBE_WINDOW, guestRuns), QMP_TIMEOUT);
    }

    QemuHypervisor(VmSpec spec, Path kvmVerdictFile, Duration qmpTimeout) {
        this(spec, kvmVerdictFile, HostFacts::kvmOpenable, AcceleratorSelector.DEFAULT_PROBE_WINDOW, qmpTimeout);
    }

    QemuHypervisor(VmSpec spec, Path kvmVerdictFile, BooleanSupplier kvmOpenable, Duration probeWindow,
                   Duration qmpTimeout) {
        this(spec, new AcceleratorSelector(new KvmVerdict(kvmVerdictFile), kvmOpenable, probeWindow), qmpTimeout);
    }

    private QemuHypervisor(VmSpec spec, AcceleratorSelector selector, Duration qmpTimeout) {
        this.spec = spec;
        this.files = RunFiles.in(spec.runDir());
        this.selector = selector;
        this.qmpTimeout = qmpTimeout;
        this.devices = new LiveDevices(spec, files.qmpFdSocket(), qmpTimeout, this::client);
    }

    @Override
    public void start(LaunchBackends backends) throws HypervisorException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("QEMU for sandbox " + spec.sandboxId() + " was already started");
        }
        long tscKhz = HostFacts.tscKhz();
        try {
            QemuCommandLine.build(spec, Accel.TCG, tscKhz);
        } catch (IllegalArgumentException e) {
            throw new HypervisorException("cannot start QEMU for sandbox " + spec.sandboxId() + ": "
                    + e.getMessage(), e);
        }
        AcceleratorSelector.Selected<QemuProcess> selected;
        try {
            selected = selector.start(spec.accelerator(), a -> launch(a, tscKhz, backends));
        } catch (HypervisorException e) {
            reportExitOfLastSpawned();
            closeVsockBackend();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reportExitOfLastSpawned();
            throw new HypervisorException("interrupted while starting QEMU for sandbox " + spec.sandboxId(), e);
        }
        vm = selected.vm();
        accel = selected.accel();
        LOG.info("VM running", "sandbox", spec.sandboxId(), "pid", vm.pid(), "accel", accel, "why",
                selected.reason(), "machine", spec.machineType());
        QemuProcess running = vm;
        if (spec.debug()) {
            ConsoleRelay.follow(files.consoleLog(), spec.sandboxId(), () -> running.isAlive());
        }
        var _ = running.process().onExit().thenAccept(p -> {
            closeNics();
            running.closeQmp();
            closeVsockBackend();
            exited.complete(p.exitValue());
        });
    }

    /**
     * One QEMU launch under {@code accel}, with the device backends it connects to started first. A
     * backend serves one QEMU: each attempt (KVM, then TCG) gets a fresh one.
     */
    private QemuProcess launch(Accel accel, long tscKhz, LaunchBackends backends) throws HypervisorException {
        try {
            backends.startForLaunch();
        } catch (IOException e) {
            throw new HypervisorException("cannot start the device backends of sandbox " + spec.sandboxId()
                    + " for a launch under " + accel + ": " + e.getMessage(), e);
        }
        closeVsockBackend();
        if (spec.agent().kind() == AgentEndpoint.Kind.VHOST_USER_VSOCK) {
            try {
                vsockBackend = VhostUserVsockBackend.start(files.vhostUserVsockSocket(), spec.agent().socket(),
                        spec.agent().cid());
            } catch (IOException e) {
                throw new HypervisorException("cannot start the vhost-user-vsock backend for sandbox "
                        + spec.sandboxId() + ": " + e.getMessage(), e);
            }
        }
        TemplateBoot template = spec.template();
        QemuProcess.BeforeRun beforeRun = template != null && template.role() == TemplateBoot.Role.CLONE
                ? q -> StateMigration.load(q, template.stateFile(), MIGRATION_TIMEOUT)
                : q -> { };
        List<String> command = QemuCommandLine.build(spec, accel, tscKhz);
        if (detached) {
            // setsid execs QEMU in place (same pid) in a new session: no signal to this process's group reaches it.
            command = new java.util.ArrayList<>(command);
            command.addFirst("setsid");
        }
        return QemuProcess.launch(command, files, accel, qmpTimeout, p -> lastSpawned = p, beforeRun);
    }

    @Override
    public void saveAsTemplate() throws HypervisorException {
        TemplateBoot template = spec.template();
        if (template == null || template.role() != TemplateBoot.Role.TEMPLATE) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + " was not booted as a template");
        }
        try {
            StateMigration.save(qmp(), template.stateFile(), MIGRATION_TIMEOUT);
        } catch (QmpException e) {
            throw new HypervisorException("cannot save the template's state: " + e.getMessage(), e);
        }
    }

    /** Marks the VM, before {@link #start}, as one that is handed to another process once booted. */
    void runDetached() {
        if (spec.agent().kind() == AgentEndpoint.Kind.VHOST_USER_VSOCK) {
            throw new IllegalArgumentException("a VM handed to another process cannot use the in-process"
                    + " vhost-user-vsock backend");
        }
        detached = true;
    }

    /** Pauses the guest and closes this process's QMP connection, so that another process can connect. */
    void pauseAndRelease() throws HypervisorException {
        try {
            qmp().stop(qmpTimeout);
        } catch (QmpException e) {
            throw new HypervisorException("cannot pause the VM of " + spec.sandboxId() + ": " + e.getMessage(), e);
        }
        closeNics();
        QemuProcess v = vm;
        if (v != null) {
            v.closeQmp();
        }
    }

    private void closeVsockBackend() {
        VhostUserVsockBackend b = vsockBackend;
        vsockBackend = null;
        if (b != null) {
            b.close();
        }
    }

    /** A start that failed killed its QEMU; {@link #exited} still reports that process's end. */
    private void reportExitOfLastSpawned() {
        Process p = lastSpawned;
        if (p != null) {
            var _ = p.onExit().thenAccept(done -> exited.complete(done.exitValue()));
        }
    }

    @Override
    public long pid() {
        QemuProcess v = vm;
        if (v != null) {
            return v.pid();
        }
        Process p = lastSpawned;
        return p == null ? 0 : p.pid();
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public dev.katajava.virtcontainers.hypervisor.Accelerator acceleratorInUse() {
        Accel a = accel;
        return a == null ? dev.katajava.virtcontainers.hypervisor.Accelerator.AUTO
                : a == Accel.KVM ? dev.katajava.virtcontainers.hypervisor.Accelerator.KVM
                : dev.katajava.virtcontainers.hypervisor.Accelerator.TCG;
    }

    /** The accelerator the VM runs with; null before a successful {@link #start}. */
    public Accel accel() {
        return accel;
    }

    /** The typed QMP commands of the running VM (status queries, hot-plug, ...). */
    public QmpCommands qmp() throws QmpException {
        return new QmpCommands(client());
    }

    private QmpClient client() throws QmpException {
        QemuProcess v = vm;
        QmpClient q = v == null ? null : v.qmp();
        if (q == null) {
            throw new QmpException("QEMU for sandbox " + spec.sandboxId() + " is not running");
        }
        return q;
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

    private void closeNics() {
        devices.close();
    }

    /** How long one QMP command may take on this VM. */
    public Duration qmpTimeout() {
        return qmpTimeout;
    }

    @Override
    public void stop(Duration grace) {
        QemuProcess v = vm;
        if (v == null) {
            return;
        }
        if (v.isAlive()) {
            QmpClient q = v.qmp();
            try {
                new QmpCommands(q).quit(QUIT_ANSWER.compareTo(grace) < 0 ? QUIT_ANSWER : grace);
            } catch (QmpException e) {
                // QEMU may close the connection before it answers quit; waiting for the exit decides.
            }
            if (!v.awaitExit(grace)) {
                LOG.warn("QEMU did not quit in time; killing it", "sandbox", spec.sandboxId(), "pid", v.pid(),
                        "grace_ms", grace.toMillis());
            }
        }
        v.kill();
        closeNics();
        closeVsockBackend();
        if (!v.isAlive()) {
            // Reaped: exited() completes before stop returns, not only on the asynchronous exit hook.
            exited.complete(v.process().exitValue());
        }
    }

    @Override
    public String consoleTail(int maxBytes) {
        return LogTail.read(files.consoleLog(), 0, maxBytes);
    }

    /** QEMU's command line for this VM under {@code accel}, as {@link #start} would run it. */
    public List<String> commandLine(Accel accel) {
        return QemuCommandLine.build(spec, accel, HostFacts.tscKhz());
    }
}
