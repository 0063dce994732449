package dev.katajava.agent.container;

import dev.katajava.agent.cgroups.CgroupManager;
import dev.katajava.agent.cgroups.CgroupV2;
import dev.katajava.agent.devices.DeviceCgroup;
import dev.katajava.agent.devices.DeviceException;
import dev.katajava.agent.devices.DeviceRules;
import dev.katajava.agent.devices.SpecDevices;
import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Processes;
import dev.katajava.linux.Trees;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container in runc's shape: created (its init set up and held at the start gate), started, signalled,
 * waited for and destroyed. Its processes are known by exec id; the init's exec id is the container id.
 */
public final class Container {
    private static final Log LOG = Log.of("container");
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    private final String id;
    private final Spec spec;
    private final Path stateDir;
    private final ContainerProcess init;
    private final ContainerRuntime runtime;
    private final CgroupManager cgroup;
    private final Map<String, ContainerProcess> processes = new ConcurrentHashMap<>();
    private volatile boolean started;

    private Container(String id, Spec spec, Path stateDir, ContainerProcess init, ContainerRuntime runtime,
                      CgroupManager cgroup) {
        this.id = id;
        this.runtime = runtime;
        this.cgroup = cgroup;
        this.spec = spec;
        this.stateDir = stateDir;
        this.init = init;
        processes.put(id, init);
    }

    /** Sets up the container's init process; it waits at its start gate until {@link #start}. */
    public static Container create(String id, Spec spec, ContainerRuntime runtime) throws ContainerException {
        return create(id, spec, runtime, 0);
    }

    /**
     * Sets up the container's init process; with {@code podSandboxInit} (not 0) its IPC and UTS namespaces,
     * when the spec asks for them, are those of that process: the pod sandbox's.
     */
    public static Container create(String id, Spec spec, ContainerRuntime runtime, long podSandboxInit)
            throws ContainerException {
        SpecValidator.validate(id, spec);
        Path stateDir = runtime.stateRoot().resolve(id);
        if (Files.exists(stateDir)) {
            throw ContainerException.alreadyExists("container " + id + " already exists");
        }
        DeviceRules devices = deviceRules(id, spec);
        ContainerProcess init = null;
        CgroupV2 cgroup = null;
        try {
            cgroup = new CgroupV2(runtime.cgroupRoot(), cgroupPath(id, spec));
            // The init joins its group itself, before its mounts: a cgroup namespace is rooted where it is then.
            cgroup.create();
            byte[] config = LaunchConfig.forContainer(id, spec, stateDir.resolve("sync"), stateDir.resolve("exec"),
                    runtime.noPivot(), cgroup.dir(), podSandboxInit);
            init = ContainerProcess.launch(runtime.launcher(), stateDir, config, spec.getProcess().getTerminal());
            // The process waits at its start gate: everything it runs from now on is inside the cgroup.
            cgroup.apply(init.pid());
            cgroup.set(spec.getLinux().getResources());
            // Before the start byte, so not one instruction of the container runs unfiltered; execs join later.
            DeviceCgroup.restrict(cgroup.dir(), devices);
            applyConsoleSize(init, spec.getProcess());
            LOG.info("container created", "container", id, "pid", init.pid());
            return new Container(id, spec, stateDir, init, runtime, cgroup);
        } catch (ContainerException | IOException | DeviceException e) {
            if (init != null) {
                init.signal(SIGKILL);
                init.exit().join();
            }
            if (cgroup != null) {
                cgroup.destroy();
            }
            removeState(stateDir);
            throw new ContainerException("create container " + id + ": " + e.getMessage(), e);
        }
    }

    /** Checked before anything starts: a bad rule or a device the VM lacks fails create with its name. */
    private static DeviceRules deviceRules(String id, Spec spec) throws ContainerException {
        var linux = spec.getLinux();
        try {
            SpecDevices.requirePresent(linux.getDevicesList(), SpecDevices.SYS_DEV);
            return DeviceRules.forContainer(linux.getResources().getDevicesList(), SpecDevices.paths(linux.getDevicesList()));
        } catch (DeviceException e) {
            throw ContainerException.invalid("create container " + id + ": " + e.getMessage());
        }
    }

    /** A terminal gets the size the client asked for before the program runs, when the client said one. */
    private static void applyConsoleSize(ContainerProcess p, dev.katajava.protocols.agent.Process process)
            throws ContainerException {
        if (process.getTerminal() && process.getConsoleSize().getHeight() > 0) {
            p.resize(process.getConsoleSize().getHeight(), process.getConsoleSize().getWidth());
        }
    }

    /** The spec's cgroupsPath, or one of our own when it names none. */
    private static String cgroupPath(String id, Spec spec) {
        String path = spec.getLinux().getCgroupsPath();
        return path.isEmpty() ? "/kata/" + id : path;
    }

    public String id() {
        return id;
    }

    /** The pid of the container's init process in the guest. */
    public long initPid() {
        return init.pid();
    }

    public CgroupManager cgroup() {
        return cgroup;
    }

    public Spec spec() {
        return spec;
    }

    public ContainerProcess init() {
        return init;
    }

    /** The process with this exec id; the empty id and the container id both name the init. */
    public ContainerProcess process(String execId) throws ContainerException {
        ContainerProcess p = processes.get(execId.isEmpty() ? id : execId);
        if (p == null) {
            throw ContainerException.notFound("process " + execId + " of container " + id + " not found");
        }
        return p;
    }

    /** Starts an extra process in the container's namespaces and root; it runs at once. */
    public ContainerProcess exec(String execId, dev.katajava.protocols.agent.Process process) throws ContainerException {
        SpecValidator.requireId("exec id", execId);
        if (!started || !init.isRunning()) {
            throw ContainerException.wrongState("container " + id + " is not running");
        }
        if (processes.containsKey(execId)) {
            throw ContainerException.alreadyExists("exec " + execId + " already exists in container " + id);
        }
        Path dir = stateDir.resolve("exec-" + execId);
        byte[] config = LaunchConfig.forExec(process, spec.getLinux(), init.pid(), dir.resolve("sync"), dir.resolve("exec"));
        ContainerProcess p;
        try {
            p = ContainerProcess.launch(runtime.launcher(), dir, config, process.getTerminal());
        } catch (ContainerException e) {
            removeState(dir);
            throw new ContainerException("exec " + execId + " in container " + id + ": " + e.getMessage(), e);
        }
        try {
            cgroup.apply(p.pid());
        } catch (IOException e) {
            p.signal(SIGKILL);
            throw new ContainerException("exec " + execId + ": join the container's cgroup: " + e.getMessage(), e);
        }
        applyConsoleSize(p, process);
        p.start();
        processes.put(execId, p);
        LOG.info("exec started", "container", id, "exec", execId, "pid", p.pid());
        return p;
    }

    public void start() throws ContainerException {
        if (started) {
            throw ContainerException.wrongState("container " + id + " is already started");
        }
        init.start();
        started = true;
    }

    /**
     * Signals a process. For the init, SIGTERM becomes SIGKILL when the init has no handler for it: as PID 1
     * of its namespace it would otherwise ignore the signal and the container could never be stopped politely.
     * An empty exec id (Kata's "the container") also signals every other process in the container's cgroup,
     * as Kata's agent does, so a container without a pid namespace of its own stops as a whole too.
     */
    public void signal(String execId, int signal) throws ContainerException {
        ContainerProcess p = process(execId);
        int effective = signal;
        if (p == init && signal == SIGTERM && !SignalMasks.handles(init.pid(), SIGTERM)) {
            effective = SIGKILL;
        }
        p.signal(effective);
        if (execId.isEmpty()) {
            signalTheRest(effective);
        }
    }

    /**
     * Frozen while signalled, so nothing in the cgroup can fork a process that misses the signal; a container
     * that was paused stays paused.
     */
    private void signalTheRest(int signal) {
        boolean frozen = false;
        try {
            if (!cgroup.frozen()) {
                cgroup.freeze(true);
                frozen = true;
            }
        } catch (IOException e) {
            LOG.warn("cannot freeze before signalling; signalling anyway", "container", id, "error", e.getMessage());
        }
        try {
            for (long pid : cgroup.pids()) {
                if (pid != init.pid()) {
                    kill(pid, signal);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list the container's processes", "container", id, "error", e.getMessage());
        } finally {
            if (frozen) {
                try {
                    cgroup.freeze(false);
                } catch (IOException e) {
                    LOG.warn("cannot thaw after signalling", "container", id, "error", e.getMessage());
                }
            }
        }
    }

    private void kill(long pid, int signal) {
        try {
            Processes.kill(pid, signal);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ESRCH) {
                LOG.warn("cannot signal a process of the container", "container", id, "pid", pid, "error", e.getMessage());
            }
        }
    }

    /** Blocks until the process ends; returns its exit code or 128+signal and releases its stdio. */
    public int waitProcess(String execId) throws ContainerException {
        ContainerProcess p = process(execId);
        try {
            int status = p.exit().get();
            p.releaseStdio();
            if (p != init) {
                processes.remove(execId);
                removeState(stateDir.resolve("exec-" + execId));
            }
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while waiting for " + execId);
        } catch (ExecutionException e) {
            throw new ContainerException("wait for " + execId + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Kills every process of the container, waits up to {@code timeoutSeconds} (0 = forever) and cleans up. */
    public void destroy(int timeoutSeconds) throws ContainerException {
        for (ContainerProcess p : processes.values()) {
            p.signal(SIGKILL);
        }
        try {
            if (timeoutSeconds == 0) {
                init.exit().get();
            } else {
                init.exit().get(timeoutSeconds, TimeUnit.SECONDS);
            }
        } catch (TimeoutException e) {
            throw new ContainerException("container " + id + " did not stop within " + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // The launcher is gone either way.
        }
        for (ContainerProcess p : processes.values()) {
            p.releaseStdio();
        }
        removeState(stateDir);
        cgroup.destroy();
        LOG.info("container removed", "container", id);
    }

    /** The state directory holds FIFOs and the launch file, never a mount; one that does is left alone. */
    private static void removeState(Path dir) {
        try {
            List<Path> mounted = Trees.removeUnlessMounted(dir);
            if (!mounted.isEmpty()) {
                LOG.warn("state directory has mounts; left in place", "path", dir, "mounts", mounted);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove state directory", "path", dir, "error", e.getMessage());
        }
    }
}
