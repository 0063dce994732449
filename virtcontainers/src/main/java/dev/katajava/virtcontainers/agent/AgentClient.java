package dev.katajava.virtcontainers.agent;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.CloseStdinRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.GuestDetailsRequest;
import dev.katajava.protocols.agent.GuestDetailsResponse;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.SignalProcessRequest;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.TtyWinResizeRequest;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.agent.WriteStreamRequest;
import dev.katajava.protocols.agent.WriteStreamResponse;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.io.Closeable;
import java.time.Duration;

/**
 * Kata's agent API as typed calls over a long-lived ttrpc connection, re-established if it drops while the
 * VM lives (see {@link AgentConnection}).
 *
 * <p>Deadlines follow Kata: Health.Check gets the dial budget; ordinary calls 60 s; WaitProcess and the
 * stream reads none, because they block for as long as the process lives.
 */
public final class AgentClient implements Closeable {
    public static final String AGENT_SERVICE = "grpc.AgentService";
    public static final String HEALTH_SERVICE = "grpc.Health";
    /**
     * Bytes asked for per ReadStdout/ReadStderr call. Kata asks for 32 KiB; every call is a round trip
     * through the guest, so larger reads move bulk output many times faster (see docs/benchmarks.md).
     */
    public static final int READ_CHUNK = 1024 * 1024;

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    /** A NIC plugged a moment ago may take the guest a while (TCG) to probe before it can be configured. */
    private static final Duration NETWORK_CALL_TIMEOUT = Duration.ofSeconds(90);
    private static final Parser<Empty> EMPTY = Empty.parser();

    private final AgentConnection client;

    /** A client over {@code client} that does not reconnect. */
    public AgentClient(TtrpcClient client) {
        this(client, null);
    }

    /**
     * A client over {@code client} that dials again with {@code redial} when the connection drops; redial
     * returns null once the VM is gone.
     */
    public AgentClient(TtrpcClient client, AgentDialer redial) {
        this.client = new AgentConnection(client, redial);
    }

    public HealthCheckResponse.ServingStatus check(Duration timeout) throws TtrpcException {
        return client.call(HEALTH_SERVICE, "Check", CheckRequest.getDefaultInstance(),
                HealthCheckResponse.parser(), timeout).getStatus();
    }

    public void createSandbox(CreateSandboxRequest request) throws TtrpcException {
        call("CreateSandbox", request);
    }

    public void destroySandbox(Duration timeout) throws TtrpcException {
        client.call(AGENT_SERVICE, "DestroySandbox", DestroySandboxRequest.getDefaultInstance(), EMPTY, timeout);
    }

    public void createContainer(CreateContainerRequest request) throws TtrpcException {
        call("CreateContainer", request);
    }

    public void startContainer(String containerId) throws TtrpcException {
        call("StartContainer", StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** Starts {@code process} in container {@code containerId} as {@code execId}; it runs at once. */
    public void execProcess(String containerId, String execId, dev.katajava.protocols.agent.Process process)
            throws TtrpcException {
        call("ExecProcess", ExecProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .setProcess(process).build());
    }

    public void removeContainer(String containerId, Duration timeout) throws TtrpcException {
        client.call(AGENT_SERVICE, "RemoveContainer", RemoveContainerRequest.newBuilder()
                .setContainerId(containerId).setTimeout((int) timeout.toSeconds()).build(), EMPTY,
                timeout.plusSeconds(5));
    }

    public void signalProcess(String containerId, String execId, int signal) throws TtrpcException {
        call("SignalProcess", SignalProcessRequest.newBuilder()
                .setContainerId(containerId).setExecId(execId).setSignal(signal).build());
    }

    /** GetGuestDetails: what the agent and guest offer (asked once after boot, as Kata does). */
    public GuestDetailsResponse guestDetails() throws TtrpcException {
        return client.call(AGENT_SERVICE, "GetGuestDetails", GuestDetailsRequest.newBuilder()
                .setMemBlockSize(true).build(), GuestDetailsResponse.parser(), CALL_TIMEOUT);
    }

    /** Blocks until the process exits; returns its status (exit code, or 128+signal). */
    public int waitProcess(String containerId, String execId) throws TtrpcException {
        return client.call(AGENT_SERVICE, "WaitProcess", WaitProcessRequest.newBuilder()
                .setContainerId(containerId).setExecId(execId).build(), WaitProcessResponse.parser(), null)
                .getStatus();
    }

    /** Blocks until the process wrote something; fails at end of stream. */
    public ByteString readStdout(String containerId, String execId) throws TtrpcException {
        return read("ReadStdout", containerId, execId);
    }

    public ByteString readStderr(String containerId, String execId) throws TtrpcException {
        return read("ReadStderr", containerId, execId);
    }

    public int writeStdin(String containerId, String execId, ByteString data) throws TtrpcException {
        return client.call(AGENT_SERVICE, "WriteStdin", WriteStreamRequest.newBuilder()
                .setContainerId(containerId).setExecId(execId).setData(data).build(),
                WriteStreamResponse.parser(), CALL_TIMEOUT).getLen();
    }

    public void closeStdin(String containerId, String execId) throws TtrpcException {
        call("CloseStdin", CloseStdinRequest.newBuilder().setContainerId(containerId).setExecId(execId).build());
    }

    public void resizeTty(String containerId, String execId, int rows, int columns) throws TtrpcException {
        call("TtyWinResize", TtyWinResizeRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .setRow(rows).setColumn(columns).build());
    }

    public void pauseContainer(String containerId) throws TtrpcException {
        call("PauseContainer", dev.katajava.protocols.agent.PauseContainerRequest.newBuilder()
                .setContainerId(containerId).build());
    }

    public void resumeContainer(String containerId) throws TtrpcException {
        call("ResumeContainer", dev.katajava.protocols.agent.ResumeContainerRequest.newBuilder()
                .setContainerId(containerId).build());
    }

    public dev.katajava.protocols.agent.CgroupStats statsContainer(String containerId) throws TtrpcException {
        return client.call(AGENT_SERVICE, "StatsContainer", dev.katajava.protocols.agent.StatsContainerRequest
                .newBuilder().setContainerId(containerId).build(),
                dev.katajava.protocols.agent.StatsContainerResponse.parser(), CALL_TIMEOUT).getCgroupStats();
    }

    public void updateContainer(String containerId, dev.katajava.protocols.agent.LinuxResources resources)
            throws TtrpcException {
        call("UpdateContainer", dev.katajava.protocols.agent.UpdateContainerRequest.newBuilder()
                .setContainerId(containerId).setResources(resources).build());
    }

    /** Asks the guest to online hot-plugged vCPUs ({@code cpus} of them, waiting for them) and memory. */
    public void onlineCpuMem(int cpus, boolean cpuOnly) throws TtrpcException {
        call("OnlineCPUMem", dev.katajava.protocols.agent.OnlineCPUMemRequest.newBuilder()
                .setWait(true).setNbCpus(cpus).setCpuOnly(cpuOnly).build());
    }

    /** Mixes {@code seed} into the guest's random pool and reseeds its generator (a VM cloned from a template). */
    public void reseedRandomDev(byte[] seed) throws TtrpcException {
        call("ReseedRandomDev", dev.katajava.protocols.agent.ReseedRandomDevRequest.newBuilder()
                .setData(ByteString.copyFrom(seed)).build());
    }

    /** Sets the guest's wall clock to {@code now} (to the microsecond). */
    public void setGuestDateTime(java.time.Instant now) throws TtrpcException {
        call("SetGuestDateTime", dev.katajava.protocols.agent.SetGuestDateTimeRequest.newBuilder()
                .setSec(now.getEpochSecond()).setUsec(now.getNano() / 1000).build());
    }

    /** Blocks until a process in some container is OOM-killed; returns that container's id. */
    public String awaitOomEvent() throws TtrpcException {
        return client.call(AGENT_SERVICE, "GetOOMEvent", dev.katajava.protocols.agent.GetOOMEventRequest
                .getDefaultInstance(), dev.katajava.protocols.agent.OOMEvent.parser(), null).getContainerId();
    }

    /** The agent's and the guest's figures in Prometheus text format (Kata's GetMetrics). */
    public String getMetrics() throws TtrpcException {
        return client.call(AGENT_SERVICE, "GetMetrics", dev.katajava.protocols.agent.GetMetricsRequest
                .getDefaultInstance(), dev.katajava.protocols.agent.Metrics.parser(), CALL_TIMEOUT).getMetrics();
    }

    /**
     * Configures the guest link whose hardware address is {@code iface.hwAddr} (Kata's UpdateInterface): name,
     * MTU, addresses, up. Returns the link as the guest now has it. The guest may need a moment to see a NIC
     * that was just plugged, so this waits longer than other calls.
     */
    public dev.katajava.protocols.types.Interface updateInterface(dev.katajava.protocols.types.Interface iface)
            throws TtrpcException {
        return client.call(AGENT_SERVICE, "UpdateInterface", dev.katajava.protocols.agent.UpdateInterfaceRequest
                .newBuilder().setInterface(iface).build(), dev.katajava.protocols.types.Interface.parser(),
                NETWORK_CALL_TIMEOUT);
    }

    /** Replaces the guest's routes on the named devices with {@code routes} (Kata's UpdateRoutes). */
    public java.util.List<dev.katajava.protocols.types.Route> updateRoutes(
            java.util.List<dev.katajava.protocols.types.Route> routes) throws TtrpcException {
        return client.call(AGENT_SERVICE, "UpdateRoutes", dev.katajava.protocols.agent.UpdateRoutesRequest
                .newBuilder().setRoutes(dev.katajava.protocols.agent.Routes.newBuilder().addAllRoutes(routes))
                .build(), dev.katajava.protocols.agent.Routes.parser(), NETWORK_CALL_TIMEOUT).getRoutesList();
    }

    /** Adds permanent neighbour entries (Kata's AddARPNeighbors). */
    public void addArpNeighbors(java.util.List<dev.katajava.protocols.types.ARPNeighbor> neighbors)
            throws TtrpcException {
        call("AddARPNeighbors", dev.katajava.protocols.agent.AddARPNeighborsRequest.newBuilder()
                .setNeighbors(dev.katajava.protocols.agent.ARPNeighbors.newBuilder().addAllARPNeighbors(neighbors))
                .build());
    }

    /** The guest's links (Kata's ListInterfaces). */
    public java.util.List<dev.katajava.protocols.types.Interface> listInterfaces() throws TtrpcException {
        return client.call(AGENT_SERVICE, "ListInterfaces", dev.katajava.protocols.agent.ListInterfacesRequest
                .getDefaultInstance(), dev.katajava.protocols.agent.Interfaces.parser(), CALL_TIMEOUT)
                .getInterfacesList();
    }

    /** The guest's main-table routes (Kata's ListRoutes). */
    public java.util.List<dev.katajava.protocols.types.Route> listRoutes() throws TtrpcException {
        return client.call(AGENT_SERVICE, "ListRoutes", dev.katajava.protocols.agent.ListRoutesRequest
                .getDefaultInstance(), dev.katajava.protocols.agent.Routes.parser(), CALL_TIMEOUT).getRoutesList();
    }

    /** This runtime's own call (Kata's agent answers UNIMPLEMENTED): listen in the guest for host sockets. */
    public dev.katajava.protocols.agent.ForwardHostSocketsResponse forwardHostSockets(
            dev.katajava.protocols.agent.ForwardHostSocketsRequest request) throws TtrpcException {
        return client.call(AGENT_SERVICE, "ForwardHostSockets", request,
                dev.katajava.protocols.agent.ForwardHostSocketsResponse.parser(), CALL_TIMEOUT);
    }

    public boolean isClosed() {
        return client.isClosed();
    }

    public void onClose(Runnable listener) {
        client.onClose(listener);
    }

    @Override
    public void close() {
        client.closeForGood();
    }

    private ByteString read(String method, String containerId, String execId) throws TtrpcException {
        return client.call(AGENT_SERVICE, method, ReadStreamRequest.newBuilder()
                .setContainerId(containerId).setExecId(execId).setLen(READ_CHUNK).build(),
                ReadStreamResponse.parser(), null).getData();
    }

    private void call(String method, MessageLite request) throws TtrpcException {
        client.call(AGENT_SERVICE, method, request, EMPTY, CALL_TIMEOUT);
    }
}
