package dev.katajava.shim.service;

import com.google.protobuf.Empty;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.protocols.events.TaskCreate;
import dev.katajava.protocols.events.TaskDelete;
import dev.katajava.protocols.events.TaskIO;
import dev.katajava.protocols.events.TaskStart;
import dev.katajava.protocols.task.CloseIORequest;
import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.task.CreateTaskRequest;
import dev.katajava.protocols.task.CreateTaskResponse;
import dev.katajava.protocols.task.DeleteRequest;
import dev.katajava.protocols.task.DeleteResponse;
import dev.katajava.protocols.task.KillRequest;
import dev.katajava.protocols.task.ShutdownRequest;
import dev.katajava.protocols.task.StartRequest;
import dev.katajava.protocols.task.StartResponse;
import dev.katajava.protocols.task.StateRequest;
import dev.katajava.protocols.task.StateResponse;
import dev.katajava.protocols.task.WaitRequest;
import dev.katajava.protocols.task.WaitResponse;
import dev.katajava.shim.ShimMain;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.events.Topics;
import dev.katajava.shim.io.OutputSink;
import dev.katajava.shim.io.StdinRelay;
import dev.katajava.shim.process.ExitInfo;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.CallContext;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.oci.AgentSpecConverter;
import dev.katajava.virtcontainers.oci.ContainerType;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import dev.katajava.virtcontainers.rootfs.RootfsMounter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * containerd's {@code containerd.task.v2.Task} service for the containers of one sandbox.
 *
 * <p>Lifecycle changes (create, start, delete) are serialized by one lock; State and Wait never take it,
 * so they answer while a VM boots. Events for one process are queued in lifecycle order: TaskStart is
 * queued before the exit watcher exists, so it always precedes TaskExit.
 */
public final class TaskService {
    private static final Log LOG = Log.of("shim");
    private static final String SERVICE = "containerd.task.v2.Task";
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_STDIN_TIMEOUT = Duration.ofSeconds(30);

    private final SandboxFactory sandboxes;
    private final EventPublisher events;
    private final Runnable onShutdown;
    private final Object lifecycle = new Object();
    private final Map<String, ShimContainer> containers = new ConcurrentHashMap<>();
    private volatile Sandbox sandbox;

    public TaskService(SandboxFactory sandboxes, EventPublisher events, Runnable onShutdown) {
        this.sandboxes = sandboxes;
        this.events = events;
        this.onShutdown = onShutdown;
    }

    public static TaskService create(EventPublisher events, Runnable onShutdown) {
        return new TaskService(new SandboxFactory(dev.katajava.virtcontainers.SandboxPaths.DEFAULT), events,
                onShutdown);
    }

    /** Registers the implemented methods; the others answer Unimplemented. */
    public ServiceRegistry register(ServiceRegistry registry) {
        return registry
                .register(SERVICE, "Create", CreateTaskRequest.parser(), this::create)
                .register(SERVICE, "Start", StartRequest.parser(), this::start)
                .register(SERVICE, "Wait", WaitRequest.parser(), this::await)
                .register(SERVICE, "State", StateRequest.parser(), this::state)
                .register(SERVICE, "Kill", KillRequest.parser(), this::kill)
                .register(SERVICE, "Delete", DeleteRequest.parser(), this::delete)
                .register(SERVICE, "CloseIO", CloseIORequest.parser(), this::closeIo)
                .register(SERVICE, "Connect", ConnectRequest.parser(), this::connect)
                .register(SERVICE, "Shutdown", ShutdownRequest.parser(), this::shutdown);
    }

    /** Stops the VM, if any; for the daemon's exit path. */
    public void stopSandbox() {
        Sandbox s = sandbox;
        if (s != null) {
            s.stop();
        }
    }

    private long vmPid() {
        Sandbox s = sandbox;
        return s == null ? 0 : s.hypervisor().pid();
    }

    CreateTaskResponse create(CallContext ctx, CreateTaskRequest req) throws TtrpcException {
        String id = req.getId();
        synchronized (lifecycle) {
            try {
                Identifiers.requireValid("container id", id);
            } catch (Exception e) {
                throw ErrorMapping.toStatus("create", e);
            }
            if (containers.containsKey(id)) {
                throw new TtrpcException(Code.ALREADY_EXISTS, "container " + id + ": already exists");
            }
            Path bundle = Path.of(req.getBundle());
            boolean mounted = false;
            Sandbox created = null;
            try {
                JsonNode spec = OciSpecReader.read(bundle);
                ContainerType type = ContainerType.of(id, spec);
                Path hostRootfs = hostRootfs(bundle, spec);
                RootfsMounter.mount(req.getRootfsList(), bundle.resolve("rootfs"));
                mounted = !req.getRootfsList().isEmpty();
                Sandbox target = sandboxFor(type, spec, req);
                if (target != sandbox) {
                    created = target;
                }
                String guestRoot = target.share().shareRootfs(id, hostRootfs);
                target.agent().createContainer(CreateContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setExecId(id)
                        .setOCI(AgentSpecConverter.convert(spec, guestRoot))
                        .build());
                TaskProcess init = new TaskProcess(id, "", new TaskProcess.Stdio(req.getStdin(), req.getStdout(),
                        req.getStderr(), req.getTerminal()));
                init.attachOutput(OutputSink.open(req.getStdout()), OutputSink.open(req.getStderr()));
                if (created != null) {
                    sandbox = created;
                }
                containers.put(id, new ShimContainer(id, bundle, type, target, init, mounted));
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
                if (created != null) {
                    created.stop();
                } else if (sandbox != null) {
                    try {
                        sandbox.share().unshareRootfs(id);
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

    private static Path hostRootfs(Path bundle, JsonNode spec) {
        String root = spec.path("root").path("path").asText("rootfs");
        return bundle.resolve(root);
    }

    private Sandbox sandboxFor(ContainerType type, JsonNode spec, CreateTaskRequest req) throws Exception {
        Sandbox current = sandbox;
        if (type.ownsVm()) {
            if (current != null) {
                throw new TtrpcException(Code.ALREADY_EXISTS, "cannot create another sandbox in sandbox "
                        + current.id());
            }
            String hostname = spec.path("hostname").asText("");
            return sandboxes.create(type.sandboxId(), hostname.isEmpty() ? type.sandboxId() : hostname,
                    req.getOptions());
        }
        if (current == null || !current.id().equals(type.sandboxId())) {
            throw new TtrpcException(Code.FAILED_PRECONDITION, "sandbox " + type.sandboxId()
                    + " is not running in this shim");
        }
        return current;
    }

    StartResponse start(CallContext ctx, StartRequest req) throws TtrpcException {
        synchronized (lifecycle) {
            ShimContainer c = container(req.getId());
            TaskProcess p = process(c, req.getExecId());
            if (p.status() != Status.CREATED) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "process " + p.agentExecId()
                        + " cannot be started: it is " + p.status());
            }
            AgentClient agent = c.sandbox().agent();
            try {
                agent.startContainer(c.id());
            } catch (TtrpcException e) {
                p.exited(new ExitInfo(ExitInfo.VM_GONE, Instant.now()));
                throw ErrorMapping.toStatus("start " + c.id(), e);
            }
            p.setStatus(Status.RUNNING);
            StdioWiring stdio = StdioWiring.connect(c.id(), p, agent);
            long pid = vmPid();
            events.publish(Topics.TASK_START, TaskStart.newBuilder().setContainerId(c.id()).setPid((int) pid).build());
            ExitWatcher.watch(p, agent, stdio.stdout(), stdio.stderr(), pid, events);
            return StartResponse.newBuilder().setPid((int) pid).build();
        }
    }

    WaitResponse await(CallContext ctx, WaitRequest req) throws TtrpcException {
        TaskProcess p = process(container(req.getId()), req.getExecId());
        try {
            ExitInfo info = p.exit().get();
            return WaitResponse.newBuilder().setExitStatus(info.status()).setExitedAt(info.timestamp()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TtrpcException(Code.CANCELLED, "wait interrupted");
        } catch (ExecutionException e) {
            throw ErrorMapping.toStatus("wait", (Exception) e.getCause());
        }
    }

    StateResponse state(CallContext ctx, StateRequest req) throws TtrpcException {
        ShimContainer c = container(req.getId());
        TaskProcess p = process(c, req.getExecId());
        TaskProcess.Stdio io = p.stdio();
        StateResponse.Builder b = StateResponse.newBuilder()
                .setId(c.id())
                .setExecId(req.getExecId())
                .setBundle(c.bundle().toString())
                .setPid((int) vmPid())
                .setStatus(p.status())
                .setStdin(io.stdin())
                .setStdout(io.stdout())
                .setStderr(io.stderr())
                .setTerminal(io.terminal());
        ExitInfo info = p.exit().getNow(null);
        if (info != null) {
            b.setExitStatus(info.status()).setExitedAt(info.timestamp());
        }
        return b.build();
    }

    Empty kill(CallContext ctx, KillRequest req) throws TtrpcException {
        ShimContainer c = container(req.getId());
        TaskProcess p = process(c, req.getExecId());
        if (p.status() == Status.STOPPED) {
            return Empty.getDefaultInstance();
        }
        try {
            // For init, an empty exec id makes the agent signal every process of the container, as Kata does.
            c.sandbox().agent().signalProcess(c.id(), req.getExecId(), req.getSignal());
        } catch (TtrpcException e) {
            if (p.status() == Status.STOPPED) {
                return Empty.getDefaultInstance();
            }
            throw ErrorMapping.toStatus("kill " + p.agentExecId(), e);
        }
        return Empty.getDefaultInstance();
    }

    DeleteResponse delete(CallContext ctx, DeleteRequest req) throws TtrpcException {
        synchronized (lifecycle) {
            ShimContainer c = container(req.getId());
            if (!req.getExecId().isEmpty()) {
                throw ErrorMapping.notFound("exec", req.getExecId());
            }
            TaskProcess init = c.init();
            if (init.status() == Status.RUNNING || init.status() == Status.PAUSED) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "cannot delete container " + c.id()
                        + " while it is " + init.status());
            }
            ExitInfo info = init.exit().getNow(new ExitInfo(128 + 9, Instant.now()));
            teardown(c);
            containers.remove(c.id());
            events.publish(Topics.TASK_DELETE, TaskDelete.newBuilder()
                    .setContainerId(c.id())
                    .setPid((int) vmPid())
                    .setExitStatus(info.status())
                    .setExitedAt(info.timestamp())
                    .build());
            if (c.type().ownsVm()) {
                c.sandbox().stop();
                sandbox = null;
            }
            return DeleteResponse.newBuilder().setPid((int) vmPid()).setExitStatus(info.status())
                    .setExitedAt(info.timestamp()).build();
        }
    }

    private void teardown(ShimContainer c) {
        Sandbox s = c.sandbox();
        if (!s.isStopped() && !s.agent().isClosed()) {
            try {
                s.agent().removeContainer(c.id(), REMOVE_TIMEOUT);
            } catch (TtrpcException e) {
                LOG.warn("RemoveContainer failed", "container", c.id(), "error", e.getMessage());
            }
        }
        try {
            s.share().unshareRootfs(c.id());
        } catch (IOException e) {
            LOG.warn("cannot unshare rootfs", "container", c.id(), "error", e.getMessage());
        }
        if (c.rootfsMountedHere()) {
            RootfsMounter.unmount(c.rootfs());
        }
    }

    /**
     * The client closed its stdin. The stdin relay closes the process's stdin itself once it has read the
     * FIFO to its end and every byte was accepted by the agent; this call waits for that, so nothing
     * written before the close is lost.
     */
    Empty closeIo(CallContext ctx, CloseIORequest req) throws TtrpcException {
        TaskProcess p = process(container(req.getId()), req.getExecId());
        StdinRelay stdin = p.stdinRelay();
        if (req.getStdin() && stdin != null) {
            try {
                stdin.done().get(CLOSE_STDIN_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new TtrpcException(Code.DEADLINE_EXCEEDED, "stdin of " + p.agentExecId()
                        + " is still being copied after " + CLOSE_STDIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TtrpcException(Code.CANCELLED, "interrupted");
            } catch (ExecutionException e) {
                throw ErrorMapping.toStatus("close stdin", (Exception) e.getCause());
            }
        }
        return Empty.getDefaultInstance();
    }

    ConnectResponse connect(CallContext ctx, ConnectRequest req) throws TtrpcException {
        container(req.getId());
        return ConnectResponse.newBuilder()
                .setShimPid((int) ProcessHandle.current().pid())
                .setTaskPid((int) vmPid())
                .setVersion(ShimMain.VERSION)
                .build();
    }

    Empty shutdown(CallContext ctx, ShutdownRequest req) {
        if (containers.isEmpty()) {
            LOG.info("no containers left; shutting down");
            // Exit after this reply has been written: containerd tolerates a closed connection, but a
            // clean reply keeps its log free of spurious errors.
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                onShutdown.run();
            });
        }
        return Empty.getDefaultInstance();
    }

    private ShimContainer container(String id) throws TtrpcException {
        ShimContainer c = containers.get(id);
        if (c == null) {
            throw ErrorMapping.notFound("container", id);
        }
        return c;
    }

    private static TaskProcess process(ShimContainer c, String execId) throws TtrpcException {
        TaskProcess p = c.process(execId);
        if (p == null) {
            throw ErrorMapping.notFound("exec", execId);
        }
        return p;
    }
}
