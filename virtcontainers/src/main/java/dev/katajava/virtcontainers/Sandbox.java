package dev.katajava.virtcontainers;

import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.transport.stdio.GuestPortDialer;
import dev.katajava.transport.stdio.StdioStreamClient;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.fs.SharedFilesystem;
import dev.katajava.virtcontainers.fs.SharedFilesystems;
import dev.katajava.virtcontainers.hostsockets.HostSocketRelay;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.network.GuestNetwork;
import dev.katajava.virtcontainers.network.NetworkException;
import dev.katajava.virtcontainers.network.NetworkWatch;
import dev.katajava.virtcontainers.network.NoNetwork;
import dev.katajava.virtcontainers.network.PodNetwork;
import dev.katajava.virtcontainers.network.PodNetworkSpec;
import dev.katajava.virtcontainers.network.PodNetworks;
import dev.katajava.virtcontainers.sizing.HostCapacity;
import dev.katajava.virtcontainers.sizing.SandboxSizing;
import dev.katajava.virtcontainers.sizing.Workload;
import dev.katajava.virtcontainers.vmsource.ReadyVm;
import dev.katajava.virtcontainers.vmsource.VmRequest;
import dev.katajava.virtcontainers.vmsource.VmSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One VM and the agent inside it.
 *
 * <p>Invariant: a Sandbox that {@link #create} returned has a running VMM, an agent that answered
 * Health.Check and CreateSandbox, and a prepared share. {@link #stop} undoes all of it exactly once;
 * a failed create undoes whatever it had done before throwing.
 */
public final class Sandbox {
    private static final Log LOG = Log.of("virtcontainers");
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final Duration DESTROY_TIMEOUT = Duration.ofSeconds(5);
    /** The workload key of what the pod declared at boot (CRI annotations, or the single container's limits). */
    private static final String POD = "";

    private final String id;
    private final Path runDir;
    private final SharedFilesystem share;
    private final Hypervisor hypervisor;
    private final AgentClient agent;
    private final RuntimeConfig config;
    private final SandboxSizing sizing;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Map<String, Workload> workloads = new HashMap<>();
    private final PodNetwork network;
    private NetworkWatch networkWatch;

    private final AgentEndpoint endpoint;
    /** Made on first use; guarded by this. */
    private HostSocketRelay hostSocketRelay;
    private final StdioStreamClient stdioStreams;

    private Sandbox(String id, Path runDir, SharedFilesystem share, Hypervisor hypervisor, AgentClient agent,
                    RuntimeConfig config, SandboxSizing sizing, PodNetwork network, AgentEndpoint endpoint,
                    StdioStreamClient stdioStreams) {
        this.stdioStreams = stdioStreams;
        this.id = id;
        this.network = network;
        this.endpoint = endpoint;
        this.config = config;
        this.sizing = sizing;
        this.runDir = runDir;
        this.share = share;
        this.hypervisor = hypervisor;
        this.agent = agent;
    }

    /**
     * Boots a VM for sandbox {@code id}, sized for {@code workload} (the pod's, or the single container's),
     * and brings its agent up.
     */
    public static Sandbox create(String id, String hostname, RuntimeConfig config, Workload workload,
                                 HypervisorProvider provider, SandboxPaths paths) throws SandboxException {
        return create(id, hostname, config, workload, PodNetworkSpec.EMPTY, provider, paths);
    }

    /**
     * Boots a VM for sandbox {@code id} as {@link #create(String, String, RuntimeConfig, Workload,
     * HypervisorProvider, SandboxPaths)} does, with the interfaces of the pod's network namespace connected
     * (configuration's {@code internetworking_model}) before it returns, and followed for the sandbox's life.
     */
    public static Sandbox create(String id, String hostname, RuntimeConfig config, Workload workload,
                                 PodNetworkSpec podNetwork, HypervisorProvider provider, SandboxPaths paths)
            throws SandboxException {
        return create(id, hostname, config, workload, podNetwork, null, provider, paths);
    }

    /**
     * As {@link #create(String, String, RuntimeConfig, Workload, PodNetworkSpec, HypervisorProvider,
     * SandboxPaths)}; the VM comes from the VM cache, the template or a cold boot ({@link VmSources}, as
     * {@code [factory]} says; each source that declines logs why).
     *
     * @param vsockNeeded what the sandbox's first container needs a vsock channel for (host sockets to
     *                    forward), which a clone does not have; null for nothing
     */
    public static Sandbox create(String id, String hostname, RuntimeConfig config, Workload workload,
                                 PodNetworkSpec podNetwork, String vsockNeeded, HypervisorProvider provider,
                                 SandboxPaths paths) throws SandboxException {
        long started = System.nanoTime();
        Path runDir = paths.runDir(id);
        SharedFilesystem share = SharedFilesystems.forConfig(config.hypervisor(), paths.share(id), runDir);
        Hypervisor hypervisor = null;
        AgentClient agent = null;
        PodNetwork network = new NoNetwork();
        try {
            Files.createDirectories(runDir);
            network = PodNetworks.open(config.network(), podNetwork, runDir);
            var hv = config.hypervisor();
            SandboxSizing sizing = new SandboxSizing(hv, HostCapacity.of());
            VmSize size = sizing.forWorkload(workload);
            ReadyVm vm = VmSources.start(new VmRequest(id, runDir, config, share, size, network.nicSlots(),
                    vsockNeeded, provider, paths));
            VmSpec spec = vm.spec();
            hypervisor = vm.hypervisor();
            agent = vm.agent();
            LOG.info("agent is up", "sandbox", id, "channel", spec.agent().kind(),
                    "ms", (System.nanoTime() - started) / 1_000_000);
            agent.createSandbox(CreateSandboxRequest.newBuilder()
                    .setHostname(hostname)
                    .addAllDns(podNetwork.dns())
                    .addStorages(share.guestStorage())
                    .setGuestHookPath(hv.guestHookPath())
                    .setSandboxId(id)
                    .build());
            if (vm.madeAhead()) {
                // A clone or cached VM has the default size: what the workload asks beyond it is hot-plugged.
                size = grow(hypervisor, agent, size);
            }
            LOG.info("sandbox sized", "sandbox", id, "vcpus", size.vcpus(), "max_vcpus", size.maxVcpus(),
                    "memory_mib", size.memoryMiB(), "max_memory_mib", size.maxMemoryMiB());
            GuestNetworkUpdate.apply(agent, network.sync(hypervisor));
            StdioStreamClient streams = config.usePassfdIo() ? stdioStreams(agent, spec) : null;
            Sandbox sandbox = new Sandbox(id, runDir, share, hypervisor, agent, config, sizing, network,
                    spec.agent(), streams);
            sandbox.workloads.put(POD, workload);
            sandbox.networkWatch = NetworkWatch.start(id, network, sandbox::networkChanged);
            return sandbox;
        } catch (NetworkException e) {
            undo(agent, hypervisor, share, runDir, network);
            throw new SandboxException("cannot start sandbox " + id + ": " + e.getMessage(), e);
        } catch (IOException | HypervisorException | TtrpcException e) {
            String console = hypervisor == null ? "" : hypervisor.consoleTail(2048);
            undo(agent, hypervisor, share, runDir, network);
            throw new SandboxException("cannot start sandbox " + id + ": " + e.getMessage()
                    + (console.isBlank() ? "" : "; guest console ends with: " + console.strip()), e);
        } catch (RuntimeException e) {
            undo(agent, hypervisor, share, runDir, network);
            throw e;
        }
    }

    /** Grows the VM by hot-plug to at least {@code want} and has the guest online what was plugged. */
    private static VmSize grow(Hypervisor hypervisor, AgentClient agent, VmSize want)
            throws HypervisorException, TtrpcException {
        VmSize before = hypervisor.size();
        if (want.vcpus() <= before.vcpus() && want.memoryMiB() <= before.memoryMiB()) {
            return before;
        }
        VmSize size = hypervisor.grow(want.vcpus(), want.memoryMiB());
        int cpus = size.vcpus() - before.vcpus();
        boolean memory = size.memoryMiB() > before.memoryMiB();
        if (cpus > 0 || memory) {
            agent.onlineCpuMem(cpus, !memory);
        }
        return size;
    }

    /** A change in the pod's namespace after boot: late interfaces are hot-plugged and configured. */
    private void networkChanged() throws NetworkException, TtrpcException {
        synchronized (network) {
            if (stopped.get()) {
                return;
            }
            GuestNetwork changes = network.sync(hypervisor);
            if (!changes.isEmpty()) {
                LOG.info("pod network changed", "sandbox", id, "interfaces", changes.interfaces().size(),
                        "routes", changes.routes() == null ? "unchanged" : changes.routes().size());
                GuestNetworkUpdate.apply(agent, changes);
            }
        }
    }

    /**
     * Looks at the pod's namespace now and connects what is new, rather than waiting for the watch to notice
     * (for callers that just changed it).
     */
    public void rescanNetwork() throws SandboxException {
        try {
            networkChanged();
        } catch (NetworkException | TtrpcException e) {
            throw new SandboxException("sandbox " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * Direct stdio streams when both ends have them: a vsock transport (virtio-serial carries one stream)
     * and an agent that advertises its stdio port (Kata's agents do not; they keep ReadStdout/WriteStdin).
     * Null otherwise, and then every stream goes through the agent API.
     */
    private static StdioStreamClient stdioStreams(AgentClient agent, VmSpec spec) {
        GuestPortDialer dialer = AgentChannels.portDialer(spec.agent());
        if (dialer == null) {
            return null;
        }
        int port;
        try {
            port = agent.guestDetails().getAgentDetails().getStdioStreamPort();
        } catch (TtrpcException e) {
            // Only an optimisation is lost: every stream still works through the agent API.
            LOG.warn("GetGuestDetails failed; stdio through the agent API", "sandbox", spec.sandboxId(),
                    "error", e.getMessage());
            return null;
        }
        if (port == 0) {
            return null;
        }
        LOG.info("direct stdio streams", "sandbox", spec.sandboxId(), "endpoint", dialer.describe(), "port", port);
        return new StdioStreamClient(dialer, port);
    }

    public String id() {
        return id;
    }

    /**
     * Records what container {@code containerId} now asks of the VM and grows the VM by hot-plug when the
     * total is more than it has: vCPUs and memory go to the larger of the pod's declared workload and the sum
     * of its containers'. The VM never shrinks. Hot-plugged CPUs and memory are onlined by the agent.
     */
    public synchronized VmSize setWorkload(String containerId, Workload workload) throws SandboxException {
        workloads.put(containerId, workload);
        Workload containers = Workload.NONE;
        for (var e : workloads.entrySet()) {
            if (!e.getKey().equals(POD)) {
                containers = containers.plus(e.getValue());
            }
        }
        Workload pod = workloads.get(POD);
        Workload total = new Workload(Math.max(pod.vcpus(), containers.vcpus()),
                Math.max(pod.memoryMiB(), containers.memoryMiB()));
        VmSize want = sizing.forWorkload(total);
        try {
            return grow(hypervisor, agent, want);
        } catch (HypervisorException | TtrpcException e) {
            throw new SandboxException("cannot grow sandbox " + id + " to " + want.vcpus() + " vCPUs and "
                    + want.memoryMiB() + " MiB: " + e.getMessage(), e);
        }
    }

    /** Forgets a removed container's workload (the VM keeps its size). */
    public synchronized void removeWorkload(String containerId) {
        workloads.remove(containerId);
    }

    /** The VM's current size. */
    public VmSize size() {
        return hypervisor.size();
    }

    /** The configuration the sandbox was started with. */
    public RuntimeConfig config() {
        return config;
    }

    /** Opens direct stdio streams to the agent; null when only the RPC path is there. */
    public StdioStreamClient stdioStreams() {
        return stdioStreams;
    }

    public AgentClient agent() {
        return agent;
    }

    public SharedFilesystem share() {
        return share;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    /** The channel the agent is reached through. */
    public AgentEndpoint agentEndpoint() {
        return endpoint;
    }

    /**
     * The host end of the sandbox's forwarded host sockets, listening from the first call on; only vsock
     * channels have it (a virtio-serial port is one stream).
     */
    public synchronized HostSocketRelay hostSocketRelay() throws IOException {
        if (stopped.get()) {
            throw new IOException("sandbox " + id + " is stopped");
        }
        if (hostSocketRelay == null) {
            hostSocketRelay = switch (endpoint.kind()) {
                case VHOST_USER_VSOCK -> HostSocketRelay.overHybridVsock(endpoint.socket());
                case VHOST_VSOCK -> HostSocketRelay.overVsock();
                case VIRTIO_SERIAL -> throw new IOException("host sockets cannot be forwarded over a virtio-serial"
                        + " agent channel (one stream); use a vsock transport");
            };
        }
        return hostSocketRelay;
    }

    /** Closes the container's forwarded host socket connections. */
    public synchronized void releaseHostSockets(String containerId) {
        if (hostSocketRelay != null) {
            hostSocketRelay.release(containerId);
        }
    }

    public boolean isStopped() {
        return stopped.get();
    }

    /** Destroys the sandbox in the guest, stops the VM and removes every host trace of it. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (!agent.isClosed() && !hypervisor.exited().isDone()) {
            try {
                agent.destroySandbox(DESTROY_TIMEOUT);
            } catch (TtrpcException e) {
                LOG.warn("DestroySandbox failed; stopping the VM anyway", "sandbox", id, "error", e.getMessage());
            }
        }
        if (networkWatch != null) {
            networkWatch.stop();
        }
        synchronized (this) {
            if (hostSocketRelay != null) {
                hostSocketRelay.close();
            }
        }
        undo(agent, hypervisor, share, runDir, network);
        LOG.info("sandbox stopped", "sandbox", id);
    }

    private static void undo(AgentClient agent, Hypervisor hypervisor, SharedFilesystem share, Path runDir,
                             PodNetwork network) {
        if (agent != null) {
            agent.close();
        }
        if (hypervisor != null) {
            hypervisor.stop(STOP_GRACE);
        }
        network.close();
        share.cleanup();
        MountCleaner.removeTreeIfUnmounted(runDir);
    }
}
