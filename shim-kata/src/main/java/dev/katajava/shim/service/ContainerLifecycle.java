package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.protocols.events.TaskCreate;
import dev.katajava.protocols.events.TaskDelete;
import dev.katajava.protocols.events.TaskIO;
import dev.katajava.protocols.task.CreateTaskRequest;
import dev.katajava.protocols.task.CreateTaskResponse;
import dev.katajava.protocols.task.DeleteRequest;
import dev.katajava.protocols.task.DeleteResponse;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.events.Topics;
import dev.katajava.shim.io.ProcessOutputs;
import dev.katajava.shim.monitor.MonitorServer;
import dev.katajava.shim.monitor.ShimMetrics;
import dev.katajava.shim.process.ExitInfo;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.fs.ContainerVolumes;
import dev.katajava.virtcontainers.hostsockets.HostSocketForwarding;
import dev.katajava.virtcontainers.hostsockets.HostSocketScan;
import dev.katajava.virtcontainers.oci.AgentSpecConverter;
import dev.katajava.virtcontainers.network.PodNetworkSpec;
import dev.katajava.virtcontainers.oci.ContainerType;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecException;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import dev.katajava.virtcontainers.oci.SysctlCheck;
import dev.katajava.virtcontainers.rootfs.RootfsMounter;
import dev.katajava.virtcontainers.sizing.Workload;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Creating and deleting containers: the rootfs mount, the VM for the container that owns it, the share
 * of the rootfs into the guest and the agent's container, undone in reverse on failure and on delete.
 */
final class ContainerLifecycle {
    private static final Log LOG = Log.of("shim");
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(10);

    private final ShimState state;
    private final SandboxFactory sandboxes;
    private final EventPublisher events;
    /** A VM booted before Create arrived; guarded by {@code state.lifecycle}. */
    private EarlyBoot<Sandbox> early;

    ContainerLifecycle(ShimState state, SandboxFactory sandboxes, EventPublisher events) {
        this.state = state;
        this.sandboxes = sandboxes;
        this.events = events;
    }

    CreateTaskResponse create(CreateTaskRequest req) throws TtrpcException {
        String id = req.getId();
        synchronized (state.lifecycle) {
            try {
                Identifiers.requireValid("container id", id);
            } catch (Exception e) {
                throw ErrorMapping.toStatus("create", e);
            }
            if (state.containers.containsKey(id)) {
                throw new TtrpcException(Code.ALREADY_EXISTS, "container " + id + ": already exists");
            }
            Path bundle = Path.of(req.getBundle());
            boolean mounted = false;
            Sandbox created = null;
            boolean inGuest = false;
            try {
                JsonNode spec = OciSpecReader.read(bundle);
                ContainerType type = ContainerType.of(id, spec);
                ContainerHooks hooks = checkBeforeBoot(id, bundle, spec);
                GuestIgnored.log(id, spec);
                Path hostRootfs = hostRootfs(bundle, spec);
                RootfsMounter.mount(req.getRootfsList(), bundle.resolve("rootfs"));
                mounted = !req.getRootfsList().isEmpty();
                Sandbox target = sandboxFor(type, spec, req);
                if (target != state.sandbox) {
                    created = target;
                }
                String guestRoot = target.share().shareRootfs(id, hostRootfs);
                JsonNode guestSpec = ContainerVolumes.share(spec, bundle, target.share(), id);
                if (!target.config().disableHostSocketForwarding()) {
                    // From here a failure must also take the guest's listeners down: RemoveContainer does.
                    inGuest = true;
                    guestSpec = HostSocketForwarding.apply(target, id, spec, bundle, guestSpec);
                }
                target.setWorkload(id, Workload.ofResources(spec.path("linux").path("resources")));
                target.agent().createContainer(CreateContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setExecId(id)
                        .setOCI(withRuncDefaults(guestSpec, AgentSpecConverter.convert(guestSpec, guestRoot,
                                !target.config().disableGuestSeccomp())))
                        .build());
                inGuest = true;
                // The container exists and waits for Start: what these hooks leave in its rootfs, it sees.
                hooks.created(target.hypervisor().pid());
                TaskProcess init = new TaskProcess(id, "", new TaskProcess.Stdio(req.getStdin(), req.getStdout(),
                        req.getStderr(), req.getTerminal()));
                init.attachOutputs(ProcessOutputs.open(req.getStdout(), req.getStderr(), id, state.namespace));
                if (created != null) {
                    state.sandbox = created;
                    OomWatcher.watch(created, events);
                    startMonitor(created);
                }
                state.containers.put(id, new ShimContainer(id, bundle, type, target, init, mounted, hooks));
                events.publish(Topics.TASK_CREATE, TaskCreate.newBuilder()
                        .setContainerId(id)
                        .setBundle(req.getBundle())
                        .addAllRootfs(req.getRootfsList())
                        .setIo(TaskIO.newBuilder().setStdin(req.getStdin()).setStdout(req.getStdout())
                                .setStderr(req.getStderr()).setTerminal(req.getTerminal()))
                        .setPid((int) target.hypervisor().pid())
                        .build());
                LOG.info("container created", "container", id, "sandbox", target.id());
                return CreateTaskResponse.newBuilder().setPid((int) target.hypervisor().pid()).build();
            } catch (Exception e) {
                LOG.error("create failed", e, "container", id);
                discardEarlyBoot();
                if (inGuest && created == null && state.sandbox != null) {
                    state.sandbox.releaseHostSockets(id);
                    try {
                        state.sandbox.agent().removeContainer(id, REMOVE_TIMEOUT);
                    } catch (TtrpcException ignored) {
                        // Best effort: the failure being reported matters more.
                    }
                }
                if (created != null) {
                    if (state.sandbox == created) {
                        state.closeMonitor();
                    }
                    created.stop();
                } else if (state.sandbox != null) {
                    state.sandbox.removeWorkload(id);
                    try {
                        state.sandbox.share().unshareContainer(id);
                    } catch (IOException ignored) {
                        // Best effort: the failure being reported matters more.
                    }
                }
                if (mounted) {
                    RootfsMounter.unmount(bundle.resolve("rootfs"));
                }
                throw ErrorMapping.toStatus("create " + id, e);
            }
        }
    }

    /**
     * What fails a create whatever the VM: volume sources, hooks, sysctls. Checked by Create and by the early
     * boot alike, so a spec bound to fail boots no VM. Returns the container's hooks.
     */
    private static ContainerHooks checkBeforeBoot(String id, Path bundle, JsonNode spec) throws Exception {
        if (ContainerType.of(id, spec).ownsVm()) {
            PodNetworkSpec.of(spec);
        }
        ContainerVolumes.requireSources(spec, bundle);
        SysctlCheck.check(spec);
        return ContainerHooks.of(id, bundle, spec);
    }

    /** Serves the sandbox's metrics; a sandbox without them still runs, so a failure is only logged. */
    private void startMonitor(Sandbox s) {
        try {
            state.monitor = MonitorServer.start(sandboxes.paths().monitorSocket(s.id()),
                    new ShimMetrics(Path.of("/proc"), () -> s.agent().getMetrics()));
        } catch (IOException | OciSpecException e) {
            LOG.warn("metrics not served: cannot bind the monitor socket", "sandbox", s.id(), "error", e.getMessage());
        }
    }

    private static Path hostRootfs(Path bundle, JsonNode spec) {
        String root = spec.path("root").path("path").asText("rootfs");
        return bundle.resolve(root);
    }

    private Sandbox sandboxFor(ContainerType type, JsonNode spec, CreateTaskRequest req) throws Exception {
        Sandbox current = state.sandbox;
        if (type.ownsVm()) {
            if (current != null) {
                throw new TtrpcException(Code.ALREADY_EXISTS, "cannot create another sandbox in sandbox "
                        + current.id());
            }
            Sandbox adopted = early == null ? null : early.adopt(type.sandboxId(), req.getOptions());
            early = null;
            return adopted != null ? adopted : boot(type, spec, Path.of(req.getBundle()), req.getOptions());
        }
        if (current == null || !current.id().equals(type.sandboxId())) {
            throw new TtrpcException(Code.FAILED_PRECONDITION, "sandbox " + type.sandboxId()
                    + " is not running in this shim");
        }
        return current;
    }

    private static Spec withRuncDefaults(JsonNode oci, Spec spec) throws IOException {
        return spec.toBuilder().setProcess(RuncDefaults.inherit(oci.path("process"), spec.getProcess())).build();
    }

    private Sandbox boot(ContainerType type, JsonNode spec, Path bundle, Any options) throws Exception {
        Supplier<String> hostSockets = () -> {
            List<HostSocketScan.Found> found = HostSocketScan.scan(spec, bundle, Path.of("/proc/net/unix"));
            return found.isEmpty() ? null : String.join(",", found.stream().map(f -> f.hostPath().toString()).toList());
        };
        return sandboxes.create(type.sandboxId(), RuncDefaults.hostname(spec),
                Workload.of(spec, type), PodNetworkSpec.of(spec), OciSpecReader.annotations(spec), hostSockets,
                options);
    }

    /**
     * Starts booting the VM that container {@code id} of {@code bundle} (whose config.json is {@code spec})
     * will own, before its Create arrives; does nothing for a container that joins another's sandbox, or whose
     * Create is bound to fail anyway.
     */
    void bootEarly(String id, Path bundle, JsonNode spec, Any options) throws Exception {
        ContainerType type = ContainerType.of(id, spec);
        if (!type.ownsVm()) {
            return;
        }
        checkBeforeBoot(id, bundle, spec);
        synchronized (state.lifecycle) {
            if (early == null && state.sandbox == null && !state.containers.containsKey(id)) {
                LOG.info("booting the VM before create", "sandbox", type.sandboxId());
                early = EarlyBoot.start(type.sandboxId(), options, () -> boot(type, spec, bundle, options), Sandbox::stop);
            }
        }
    }

    /** For the shim's exit: a VM booted early and never adopted is stopped before the shim goes. */
    void stopEarlyBoot() {
        EarlyBoot<Sandbox> pending;
        synchronized (state.lifecycle) {
            pending = early;
            early = null;
        }
        if (pending != null) {
            pending.stop();
        }
    }

    private void discardEarlyBoot() {
        if (early != null) {
            early.discard();
            early = null;
        }
    }

    DeleteResponse delete(DeleteRequest req) throws TtrpcException {
        synchronized (state.lifecycle) {
            ShimContainer c = state.container(req.getId());
            if (!req.getExecId().isEmpty()) {
                return deleteExec(c, req.getExecId());
            }
            TaskProcess init = c.init();
            if (init.status() == Status.RUNNING || init.status() == Status.PAUSED) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "cannot delete container " + c.id()
                        + " while it is " + init.status());
            }
            ExitInfo info = init.exit().getNow(new ExitInfo(128 + 9, Instant.now()));
            teardown(c);
            c.sandbox().removeWorkload(c.id());
            state.containers.remove(c.id());
            events.publish(Topics.TASK_DELETE, TaskDelete.newBuilder()
                    .setContainerId(c.id())
                    .setPid((int) state.vmPid())
                    .setExitStatus(info.status())
                    .setExitedAt(info.timestamp())
                    .build());
            if (c.type().ownsVm()) {
                state.closeMonitor();
                c.sandbox().stop();
                state.sandbox = null;
            }
            c.hooks().deleted();
            return DeleteResponse.newBuilder().setPid((int) state.vmPid()).setExitStatus(info.status())
                    .setExitedAt(info.timestamp()).build();
        }
    }

    private void teardown(ShimContainer c) {
        Sandbox s = c.sandbox();
        s.releaseHostSockets(c.id());
        if (!s.isStopped() && !s.agent().isClosed()) {
            try {
                s.agent().removeContainer(c.id(), REMOVE_TIMEOUT);
            } catch (TtrpcException e) {
                LOG.warn("RemoveContainer failed", "container", c.id(), "error", e.getMessage());
            }
        }
        try {
            s.share().unshareContainer(c.id());
        } catch (IOException e) {
            LOG.warn("cannot unshare the container's rootfs and volumes", "container", c.id(),
                    "error", e.getMessage());
        }
        if (c.rootfsMountedHere()) {
            RootfsMounter.unmount(c.rootfs());
        }
    }

    private DeleteResponse deleteExec(ShimContainer c, String execId) throws TtrpcException {
        TaskProcess p = c.execs().get(execId);
        if (p == null) {
            throw ErrorMapping.notFound("exec", execId);
        }
        if (p.status() == Status.RUNNING) {
            throw new TtrpcException(Code.FAILED_PRECONDITION, "cannot delete exec " + execId + " while it is running");
        }
        c.execs().remove(execId);
        ExitInfo info = p.exit().getNow(new ExitInfo(128 + 9, Instant.now()));
        return DeleteResponse.newBuilder().setPid((int) state.vmPid()).setExitStatus(info.status())
                .setExitedAt(info.timestamp()).build();
    }
}
