package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.katajava.logging.Log;
import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.protocols.events.TaskExecAdded;
import dev.katajava.protocols.events.TaskExecStarted;
import dev.katajava.protocols.events.TaskStart;
import dev.katajava.protocols.task.CloseIORequest;
import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.task.CreateTaskRequest;
import dev.katajava.protocols.task.DeleteRequest;
import dev.katajava.protocols.task.ExecProcessRequest;
import dev.katajava.protocols.task.KillRequest;
import dev.katajava.protocols.task.PauseRequest;
import dev.katajava.protocols.task.PidsRequest;
import dev.katajava.protocols.task.ResizePtyRequest;
import dev.katajava.protocols.task.ResumeRequest;
import dev.katajava.protocols.task.StatsRequest;
import dev.katajava.protocols.task.UpdateTaskRequest;
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
import dev.katajava.shim.io.ProcessOutputs;
import dev.katajava.shim.io.StdinRelay;
import dev.katajava.shim.process.ExitInfo;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.CallContext;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.hooks.HookException;
import dev.katajava.virtcontainers.oci.AgentSpecConverter;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
    private static final Duration CLOSE_STDIN_TIMEOUT = Duration.ofSeconds(30);
    /** How long a failed kill waits for the exit of a process that may just have ended in the guest. */
    private static final Duration KILL_EXIT_GRACE = Duration.ofSeconds(5);
    private static final int SIGKILL = 9;

    private final ShimState state;
    private final ContainerLifecycle lifecycle;
    private final ResourceControl resources;
    private final EventPublisher events;
    private final Runnable onShutdown;

    TaskService(String namespace, SandboxFactory sandboxes, EventPublisher events, Runnable onShutdown) {
        this.state = new ShimState(namespace);
        this.lifecycle = new ContainerLifecycle(state, sandboxes, events);
        this.resources = new ResourceControl(state, events);
        this.events = events;
        this.onShutdown = onShutdown;
    }

    public static TaskService create(String namespace, EventPublisher events, Runnable onShutdown) {
        return new TaskService(namespace, new SandboxFactory(dev.katajava.virtcontainers.SandboxPaths.DEFAULT),
                events, onShutdown);
    }

    /** Registers the implemented methods; the others answer Unimplemented. */
    public ServiceRegistry register(ServiceRegistry registry) {
        return registry
                .register(SERVICE, "Create", CreateTaskRequest.parser(), (ctx, req) -> lifecycle.create(req))
                .register(SERVICE, "Exec", ExecProcessRequest.parser(), this::exec)
                .register(SERVICE, "Start", StartRequest.parser(), this::start)
                .register(SERVICE, "Wait", WaitRequest.parser(), this::await)
                .register(SERVICE, "State", StateRequest.parser(), this::state)
                .register(SERVICE, "Kill", KillRequest.parser(), this::kill)
                .register(SERVICE, "Delete", DeleteRequest.parser(), (ctx, req) -> lifecycle.delete(req))
                .register(SERVICE, "CloseIO", CloseIORequest.parser(), this::closeIo)
                .register(SERVICE, "ResizePty", ResizePtyRequest.parser(), this::resizePty)
                .register(SERVICE, "Pause", PauseRequest.parser(), (ctx, req) -> resources.pause(req))
                .register(SERVICE, "Resume", ResumeRequest.parser(), (ctx, req) -> resources.resume(req))
                .register(SERVICE, "Stats", StatsRequest.parser(), (ctx, req) -> resources.stats(req))
                .register(SERVICE, "Update", UpdateTaskRequest.parser(), (ctx, req) -> resources.update(req))
                .register(SERVICE, "Pids", PidsRequest.parser(), (ctx, req) -> resources.pids(req))
                .register(SERVICE, "Connect", ConnectRequest.parser(), this::connect)
                .register(SERVICE, "Shutdown", ShutdownRequest.parser(), this::shutdown);
    }

    /**
     * Boots the sandbox VM of the bundle's container ({@code spec} being the bundle's config.json, as read by
     * the start action) while containerd is still on its way to Create, which then adopts it. Failures are only
     * logged: Create meets them again and reports them.
     */
    public void bootEarly(String id, Path bundle, JsonNode spec, Any options) {
        try {
            lifecycle.bootEarly(id, bundle, spec, options);
        } catch (Exception e) {
            LOG.warn("no early boot; create will boot the VM", "container", id, "error", e.getMessage());
        }
    }

    /** Stops the metrics endpoint and the VM, if any; for the daemon's exit path. */
    public void stopSandbox() {
        lifecycle.stopEarlyBoot();
        state.closeMonitor();
        Sandbox s = state.sandbox;
        if (s != null) {
            s.stop();
        }
    }

    StartResponse start(CallContext ctx, StartRequest req) throws TtrpcException {
        synchronized (state.lifecycle) {
            ShimContainer c = state.container(req.getId());
            TaskProcess p = process(c, req.getExecId());
            if (p.status() != Status.CREATED) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "process " + p.agentExecId()
                        + " cannot be started: it is " + p.status());
            }
            AgentClient agent = c.sandbox().agent();
            try {
                if (p.execId().isEmpty()) {
                    agent.startContainer(c.id());
                } else {
                    agent.execProcess(c.id(), p.execId(), p.agentProcess());
                }
            } catch (TtrpcException e) {
                p.exited(new ExitInfo(ExitInfo.VM_GONE, Instant.now()));
                throw ErrorMapping.toStatus("start " + p.agentExecId(), e);
            }
            p.setStatus(Status.RUNNING);
            StdioWiring stdio = StdioWiring.connect(c.id(), p, agent, c.sandbox().stdioStreams());
            long pid = state.vmPid();
            if (p.execId().isEmpty()) {
                events.publish(Topics.TASK_START, TaskStart.newBuilder().setContainerId(c.id()).setPid((int) pid).build());
            } else {
                events.publish(Topics.TASK_EXEC_STARTED, TaskExecStarted.newBuilder().setContainerId(c.id())
                        .setExecId(p.execId()).setPid((int) pid).build());
            }
            ExitWatcher.watch(p, agent, stdio.stdout(), stdio.stderr(), pid, events);
            if (p.execId().isEmpty()) {
                poststart(c, agent, pid);
            }
            return StartResponse.newBuilder().setPid((int) pid).build();
        }
    }

    /** A failing poststart hook fails Start and the container's process is killed, as under runc. */
    private static void poststart(ShimContainer c, AgentClient agent, long pid) throws TtrpcException {
        try {
            c.hooks().started(pid);
        } catch (HookException e) {
            try {
                agent.signalProcess(c.id(), "", SIGKILL);
            } catch (TtrpcException ignored) {
                // Already gone, or the VM is: the hook's failure is what Start reports.
            }
            throw ErrorMapping.toStatus("start " + c.id(), e);
        }
    }

    /** Registers an extra process; the agent starts it on Start, as containerd's flow expects. */
    Empty exec(CallContext ctx, ExecProcessRequest req) throws TtrpcException {
        synchronized (state.lifecycle) {
            ShimContainer c = state.container(req.getId());
            String execId = req.getExecId();
            try {
                Identifiers.requireValid("exec id", execId);
            } catch (Exception e) {
                throw ErrorMapping.toStatus("exec", e);
            }
            if (execId.equals(c.id()) || c.execs().containsKey(execId)) {
                throw new TtrpcException(Code.ALREADY_EXISTS, "exec " + execId + " already exists in " + c.id());
            }
            if (c.init().status() != Status.RUNNING) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "container " + c.id() + " is not running");
            }
            try {
                JsonNode oci = OciSpecReader.parse("exec " + execId + " process spec",
                        req.getSpec().getValue().toByteArray());
                dev.katajava.protocols.agent.Process spec = RuncDefaults.inherit(oci,
                        AgentSpecConverter.process(oci));
                TaskProcess p = new TaskProcess(c.id(), execId, new TaskProcess.Stdio(req.getStdin(), req.getStdout(),
                        req.getStderr(), req.getTerminal()), spec);
                p.attachOutputs(ProcessOutputs.open(req.getStdout(), req.getStderr(), c.id(), state.namespace));
                c.execs().put(execId, p);
            } catch (Exception e) {
                throw ErrorMapping.toStatus("exec " + execId, e);
            }
            events.publish(Topics.TASK_EXEC_ADDED, TaskExecAdded.newBuilder().setContainerId(c.id())
                    .setExecId(execId).build());
            return Empty.getDefaultInstance();
        }
    }

    WaitResponse await(CallContext ctx, WaitRequest req) throws TtrpcException {
        TaskProcess p = process(state.container(req.getId()), req.getExecId());
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
        ShimContainer c = state.container(req.getId());
        TaskProcess p = process(c, req.getExecId());
        TaskProcess.Stdio io = p.stdio();
        StateResponse.Builder b = StateResponse.newBuilder()
                .setId(c.id())
                .setExecId(req.getExecId())
                .setBundle(c.bundle().toString())
                .setPid((int) state.vmPid())
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
        ShimContainer c = state.container(req.getId());
        TaskProcess p = process(c, req.getExecId());
        if (p.status() == Status.STOPPED) {
            return Empty.getDefaultInstance();
        }
        p.killStarted();
        try {
            // For init, an empty exec id makes the agent signal every process of the container, as Kata does.
            c.sandbox().agent().signalProcess(c.id(), req.getExecId(), req.getSignal());
        } catch (TtrpcException e) {
            if (p.status() == Status.STOPPED || exitsSoon(p)) {
                return Empty.getDefaultInstance();
            }
            throw ErrorMapping.toStatus("kill " + p.agentExecId(), e);
        } finally {
            p.killAnswered();
        }
        return Empty.getDefaultInstance();
    }

    /**
     * A process that ended in the guest is reaped once its output is drained, so the agent may already
     * have forgotten it when a kill for it arrives (CRI stops a pod right after a member ended): that kill
     * answers normally, as runc's shim answers for a finished process. Its exit waits for this answer.
     */
    private static boolean exitsSoon(TaskProcess p) {
        try {
            p.reaped().get(KILL_EXIT_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The client closed its stdin. The stdin relay closes the process's stdin itself once it has read the
     * FIFO to its end and every byte was accepted by the agent; this call waits for that, so nothing
     * written before the close is lost.
     */
    Empty closeIo(CallContext ctx, CloseIORequest req) throws TtrpcException {
        TaskProcess p = process(state.container(req.getId()), req.getExecId());
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

    Empty resizePty(CallContext ctx, ResizePtyRequest req) throws TtrpcException {
        ShimContainer c = state.container(req.getId());
        TaskProcess p = process(c, req.getExecId());
        if (!p.stdio().terminal()) {
            return Empty.getDefaultInstance();
        }
        try {
            c.sandbox().agent().resizeTty(c.id(), p.agentExecId(), req.getHeight(), req.getWidth());
        } catch (TtrpcException e) {
            if (p.status() != Status.STOPPED) {
                throw ErrorMapping.toStatus("resize " + p.agentExecId(), e);
            }
        }
        return Empty.getDefaultInstance();
    }

    ConnectResponse connect(CallContext ctx, ConnectRequest req) throws TtrpcException {
        state.container(req.getId());
        return ConnectResponse.newBuilder()
                .setShimPid((int) ProcessHandle.current().pid())
                .setTaskPid((int) state.vmPid())
                .setVersion(ShimMain.VERSION)
                .build();
    }

    Empty shutdown(CallContext ctx, ShutdownRequest req) {
        if (state.containers.isEmpty()) {
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

    private static TaskProcess process(ShimContainer c, String execId) throws TtrpcException {
        TaskProcess p = c.process(execId);
        if (p == null) {
            throw ErrorMapping.notFound("exec", execId);
        }
        return p;
    }
}
