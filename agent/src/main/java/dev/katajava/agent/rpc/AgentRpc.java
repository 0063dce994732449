package dev.katajava.agent.rpc;

import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.Empty;
import dev.katajava.agent.GuestSandbox;
import dev.katajava.agent.container.Container;
import dev.katajava.agent.container.ContainerException;
import dev.katajava.agent.container.ContainerProcess;
import dev.katajava.agent.container.SpecValidator;
import dev.katajava.agent.hotplug.CpuMemOnliner;
import dev.katajava.agent.metrics.AgentMetrics;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.AgentDetails;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.CloseStdinRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.ForwardHostSocketsRequest;
import dev.katajava.protocols.agent.ForwardHostSocketsResponse;
import dev.katajava.protocols.agent.GetMetricsRequest;
import dev.katajava.protocols.agent.GetOOMEventRequest;
import dev.katajava.protocols.agent.Metrics;
import dev.katajava.protocols.agent.OOMEvent;
import dev.katajava.protocols.agent.OnlineCPUMemRequest;
import dev.katajava.protocols.agent.PauseContainerRequest;
import dev.katajava.protocols.agent.ResumeContainerRequest;
import dev.katajava.protocols.agent.StatsContainerRequest;
import dev.katajava.protocols.agent.StatsContainerResponse;
import dev.katajava.protocols.agent.UpdateContainerRequest;
import dev.katajava.protocols.agent.GuestDetailsRequest;
import dev.katajava.protocols.agent.GuestDetailsResponse;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.SignalProcessRequest;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.TtyWinResizeRequest;
import dev.katajava.protocols.agent.VersionCheckResponse;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.agent.WriteStreamRequest;
import dev.katajava.protocols.agent.WriteStreamResponse;
import dev.katajava.ttrpc.CallContext;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Kata's {@code grpc.AgentService} and {@code grpc.Health} over the guest sandbox. */
public final class AgentRpc {
    public static final String VERSION = "0.1.0";
    private static final String AGENT = "grpc.AgentService";
    private static final String HEALTH = "grpc.Health";
    /** Upper bound of one stream read, whatever the caller asks, to keep replies well under ttrpc's 4 MiB. */
    private static final int MAX_READ = 1 << 20;
    private static final int MIN_READ = 64 * 1024;

    private static final Log LOG = Log.of("agent");
    private static final Duration HOTPLUG_PATIENCE = Duration.ofSeconds(10);

    private final GuestSandbox sandbox;
    private final CpuMemOnliner onliner;
    private final AgentMetrics metrics = new AgentMetrics(Path.of("/proc"));
    private volatile int stdioStreamPort;

    public AgentRpc(GuestSandbox sandbox) {
        this(sandbox, new CpuMemOnliner(Path.of("/sys/devices/system")));
    }

    public AgentRpc(GuestSandbox sandbox, CpuMemOnliner onliner) {
        this.sandbox = sandbox;
        this.onliner = onliner;
    }

    /** Advertises direct stdio streams on {@code port} in GetGuestDetails (0: none). */
    public AgentRpc stdioStreamPort(int port) {
        this.stdioStreamPort = port;
        return this;
    }

    public ServiceRegistry register(ServiceRegistry r) {
        return new ClonedVmRpc().register(new NetworkRpc().register(r))
                .register(HEALTH, "Check", CheckRequest.parser(), (ctx, req) ->
                        HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                .register(HEALTH, "Version", CheckRequest.parser(), (ctx, req) ->
                        VersionCheckResponse.newBuilder().setAgentVersion(VERSION).setGrpcVersion("ttrpc").build())
                .register(AGENT, "CreateSandbox", CreateSandboxRequest.parser(), this::createSandbox)
                .register(AGENT, "DestroySandbox", DestroySandboxRequest.parser(), (ctx, req) -> {
                    sandbox.destroy();
                    return Empty.getDefaultInstance();
                })
                .register(AGENT, "GetGuestDetails", GuestDetailsRequest.parser(), this::guestDetails)
                .register(AGENT, "CreateContainer", CreateContainerRequest.parser(), this::createContainer)
                .register(AGENT, "StartContainer", StartContainerRequest.parser(), this::startContainer)
                .register(AGENT, "ExecProcess", ExecProcessRequest.parser(), this::execProcess)
                .register(AGENT, "RemoveContainer", RemoveContainerRequest.parser(), this::removeContainer)
                .register(AGENT, "SignalProcess", SignalProcessRequest.parser(), this::signalProcess)
                .register(AGENT, "WaitProcess", WaitProcessRequest.parser(), this::waitProcess)
                .register(AGENT, "ReadStdout", ReadStreamRequest.parser(),
                        (ctx, req) -> OffCarrier.run(() -> read(req, false)))
                .register(AGENT, "ReadStderr", ReadStreamRequest.parser(),
                        (ctx, req) -> OffCarrier.run(() -> read(req, true)))
                .register(AGENT, "WriteStdin", WriteStreamRequest.parser(),
                        (ctx, req) -> OffCarrier.run(() -> writeStdin(req)))
                .register(AGENT, "CloseStdin", CloseStdinRequest.parser(), this::closeStdin)
                .register(AGENT, "TtyWinResize", TtyWinResizeRequest.parser(), this::resize)
                .register(AGENT, "PauseContainer", PauseContainerRequest.parser(),
                        (ctx, req) -> freeze(req.getContainerId(), true))
                .register(AGENT, "ResumeContainer", ResumeContainerRequest.parser(),
                        (ctx, req) -> freeze(req.getContainerId(), false))
                .register(AGENT, "StatsContainer", StatsContainerRequest.parser(), this::stats)
                .register(AGENT, "UpdateContainer", UpdateContainerRequest.parser(), this::update)
                .register(AGENT, "OnlineCPUMem", OnlineCPUMemRequest.parser(), this::onlineCpuMem)
                .register(AGENT, "GetOOMEvent", GetOOMEventRequest.parser(), (ctx, req) ->
                        OOMEvent.newBuilder().setContainerId(sandbox.awaitOom()).build())
                .register(AGENT, "GetMetrics", GetMetricsRequest.parser(), (ctx, req) ->
                        Metrics.newBuilder().setMetrics(metrics.scrape()).build())
                .register(AGENT, "ForwardHostSockets", ForwardHostSocketsRequest.parser(), this::forwardHostSockets);
    }

    private Empty createSandbox(CallContext ctx, CreateSandboxRequest req) throws TtrpcException {
        try {
            sandbox.create(req.getSandboxId(), req.getHostname(), req.getStoragesList(), req.getGuestHookPath());
            writeResolvConf(req.getDnsList());
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "create sandbox: " + e.getMessage(), e);
        }
        return Empty.getDefaultInstance();
    }

    /** The pod's resolver lines for the guest's own lookups, as Kata writes them; containers get theirs by mount. */
    private static void writeResolvConf(java.util.List<String> dns) {
        if (dns.isEmpty()) {
            return;
        }
        try {
            java.nio.file.Files.write(Path.of("/etc/resolv.conf"), dns);
        } catch (IOException e) {
            LOG.warn("cannot write the guest's resolv.conf", "error", e.getMessage());
        }
    }

    private GuestDetailsResponse guestDetails(CallContext ctx, GuestDetailsRequest req) {
        GuestDetailsResponse.Builder b = GuestDetailsResponse.newBuilder()
                .setAgentDetails(AgentDetails.newBuilder().setVersion(VERSION).setInitDaemon(false)
                        .addStorageHandlers("9p").setStdioStreamPort(stdioStreamPort));
        if (req.getMemBlockSize()) {
            try {
                String hex = Files.readString(Path.of("/sys/devices/system/memory/block_size_bytes")).strip();
                b.setMemBlockSizeBytes(Long.parseUnsignedLong(hex, 16));
            } catch (IOException | NumberFormatException e) {
                // No memory hotplug information: leave it 0, as Kata's agent does.
            }
        }
        return b.build();
    }

    private Empty createContainer(CallContext ctx, CreateContainerRequest req) throws TtrpcException {
        try {
            SpecValidator.requireId("container id", req.getContainerId());
            sandbox.createContainer(req.getContainerId(), req.getOCI());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private ForwardHostSocketsResponse forwardHostSockets(CallContext ctx, ForwardHostSocketsRequest req)
            throws TtrpcException {
        try {
            SpecValidator.requireId("container id", req.getContainerId());
            var paths = sandbox.hostSockets().forward(req.getContainerId(), req.getVsockPort(), req.getSocketsList());
            return ForwardHostSocketsResponse.newBuilder()
                    .addAllGuestPaths(paths.stream().map(Path::toString).toList()).build();
        } catch (ContainerException | IllegalArgumentException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "forward host sockets: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "forward host sockets: " + e.getMessage(), e);
        }
    }

    private Empty startContainer(CallContext ctx, StartContainerRequest req) throws TtrpcException {
        try {
            sandbox.startContainer(req.getContainerId());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty execProcess(CallContext ctx, ExecProcessRequest req) throws TtrpcException {
        try {
            sandbox.container(req.getContainerId()).exec(req.getExecId(), req.getProcess());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty removeContainer(CallContext ctx, RemoveContainerRequest req) throws TtrpcException {
        try {
            sandbox.removeContainer(req.getContainerId(), req.getTimeout());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty signalProcess(CallContext ctx, SignalProcessRequest req) throws TtrpcException {
        try {
            sandbox.container(req.getContainerId()).signal(req.getExecId(), req.getSignal());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private WaitProcessResponse waitProcess(CallContext ctx, WaitProcessRequest req) throws TtrpcException {
        try {
            int status = sandbox.container(req.getContainerId()).waitProcess(req.getExecId());
            return WaitProcessResponse.newBuilder().setStatus(status).build();
        } catch (ContainerException e) {
            throw failed(e);
        }
    }

    /**
     * One blocking read of up to {@code len} bytes, topped up with whatever more is already waiting, so
     * bulk output travels in few large replies; fails at end of stream, which ends the caller's copy loop.
     */
    private ReadStreamResponse read(ReadStreamRequest req, boolean stderr) throws TtrpcException {
        ContainerProcess p = process(req.getContainerId(), req.getExecId());
        InputStream in = stderr ? p.stderr() : p.stdout();
        int want = Math.max(1, Math.min(req.getLen() == 0 ? 32 * 1024 : req.getLen(), MAX_READ));
        byte[] buf = new byte[0];
        int n;
        try {
            // Sized by what is waiting: a full pipe goes in one reply, a trickle does not cost a large buffer.
            buf = new byte[Math.min(want, Math.max(MIN_READ, in.available()))];
            n = in.read(buf);
            while (n > 0 && n < buf.length && in.available() > 0) {
                int more = in.read(buf, n, buf.length - n);
                if (more <= 0) {
                    break;
                }
                n += more;
            }
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            throw new TtrpcException(Code.INTERNAL, "eof");
        }
        // The buffer is this reply's alone, so it is wrapped rather than copied once more.
        return ReadStreamResponse.newBuilder().setData(UnsafeByteOperations.unsafeWrap(buf, 0, n)).build();
    }

    private WriteStreamResponse writeStdin(WriteStreamRequest req) throws TtrpcException {
        OutputStream out = process(req.getContainerId(), req.getExecId()).stdin();
        try {
            req.getData().writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "write stdin: " + e.getMessage(), e);
        }
        return WriteStreamResponse.newBuilder().setLen(req.getData().size()).build();
    }

    private Empty closeStdin(CallContext ctx, CloseStdinRequest req) throws TtrpcException {
        try {
            process(req.getContainerId(), req.getExecId()).stdin().close();
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "close stdin: " + e.getMessage(), e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty resize(CallContext ctx, TtyWinResizeRequest req) throws TtrpcException {
        try {
            process(req.getContainerId(), req.getExecId()).resize(req.getRow(), req.getColumn());
        } catch (ContainerException e) {
            throw failed(e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty freeze(String containerId, boolean frozen) throws TtrpcException {
        try {
            sandbox.container(containerId).cgroup().freeze(frozen);
        } catch (ContainerException e) {
            throw failed(e);
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, (frozen ? "pause " : "resume ") + containerId + ": " + e.getMessage(), e);
        }
        return Empty.getDefaultInstance();
    }

    private StatsContainerResponse stats(CallContext ctx, StatsContainerRequest req) throws TtrpcException {
        try {
            return StatsContainerResponse.newBuilder()
                    .setCgroupStats(sandbox.container(req.getContainerId()).cgroup().stats()).build();
        } catch (ContainerException e) {
            throw failed(e);
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "stats " + req.getContainerId() + ": " + e.getMessage(), e);
        }
    }

    private Empty update(CallContext ctx, UpdateContainerRequest req) throws TtrpcException {
        try {
            sandbox.container(req.getContainerId()).cgroup().set(req.getResources());
        } catch (ContainerException e) {
            throw failed(e);
        } catch (IOException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "update " + req.getContainerId() + ": " + e.getMessage(), e);
        }
        return Empty.getDefaultInstance();
    }

    private Empty onlineCpuMem(CallContext ctx, OnlineCPUMemRequest req) throws TtrpcException {
        try {
            int cpus = onliner.onlineCpus(req.getWait() ? req.getNbCpus() : 0, HOTPLUG_PATIENCE);
            int blocks = req.getCpuOnly() ? 0 : onliner.onlineMemory();
            LOG.info("onlined hot-plugged resources", "cpus", cpus, "memory_blocks", blocks);
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, "online CPUs and memory: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TtrpcException(Code.CANCELLED, "online CPUs and memory: interrupted", e);
        }
        return Empty.getDefaultInstance();
    }

    private ContainerProcess process(String containerId, String execId) throws TtrpcException {
        try {
            Container c = sandbox.container(containerId);
            return c.process(execId);
        } catch (ContainerException e) {
            throw failed(e);
        }
    }

    private static TtrpcException failed(ContainerException e) {
        Code code = switch (e.kind()) {
            case INVALID -> Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Code.NOT_FOUND;
            case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
            case WRONG_STATE -> Code.FAILED_PRECONDITION;
            case FAILED -> Code.INTERNAL;
        };
        return new TtrpcException(code, e.getMessage(), e);
    }
}
