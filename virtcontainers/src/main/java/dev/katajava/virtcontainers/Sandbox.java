package dev.katajava.virtcontainers;

import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.transport.AgentTransport;
import dev.katajava.transport.UnixSocketTransport;
import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.fs.MountCleaner;
import dev.katajava.virtcontainers.fs.SharedFilesystem;
import dev.katajava.virtcontainers.fs.Virtio9pShare;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    private final String id;
    private final Path runDir;
    private final SharedFilesystem share;
    private final Hypervisor hypervisor;
    private final AgentClient agent;
    private final RuntimeConfig config;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private Sandbox(String id, Path runDir, SharedFilesystem share, Hypervisor hypervisor, AgentClient agent,
                    RuntimeConfig config) {
        this.id = id;
        this.config = config;
        this.runDir = runDir;
        this.share = share;
        this.hypervisor = hypervisor;
        this.agent = agent;
    }

    /** Boots a VM for sandbox {@code id} and brings its agent up. */
    public static Sandbox create(String id, String hostname, RuntimeConfig config, HypervisorProvider provider,
                                 SandboxPaths paths) throws SandboxException {
        long started = System.nanoTime();
        Path runDir = paths.runDir(id);
        SharedFilesystem share = new Virtio9pShare(paths.share(id));
        Hypervisor hypervisor = null;
        AgentClient agent = null;
        try {
            Files.createDirectories(runDir);
            share.prepare();
            var hv = config.hypervisor();
            VmSpec spec = new VmSpec(id, runDir, hv.path(), hv.kernel(), hv.initrd(), hv.machineType(),
                    hv.kernelParams(), hv.defaultVcpus(), hv.defaultMemoryMiB(), hv.accelerator(),
                    share.exportDir(), runDir.resolve("agent.sock"), config.debug());
            hypervisor = provider.create(spec);
            hypervisor.start();
            LOG.info("VM started", "sandbox", id, "pid", hypervisor.pid());
            agent = connectAgent(new UnixSocketTransport(spec.agentSocket()), hypervisor, config.agent().dialTimeout());
            LOG.info("agent is up", "sandbox", id, "ms", (System.nanoTime() - started) / 1_000_000);
            agent.createSandbox(CreateSandboxRequest.newBuilder()
                    .setHostname(hostname)
                    .addStorages(share.guestStorage())
                    .setSandboxId(id)
                    .build());
            return new Sandbox(id, runDir, share, hypervisor, agent, config);
        } catch (IOException | HypervisorException | TtrpcException e) {
            String console = hypervisor == null ? "" : hypervisor.consoleTail(2048);
            undo(agent, hypervisor, share, runDir);
            throw new SandboxException("cannot start sandbox " + id + ": " + e.getMessage()
                    + (console.isBlank() ? "" : "; guest console ends with: " + console.strip()), e);
        } catch (RuntimeException e) {
            undo(agent, hypervisor, share, runDir);
            throw e;
        }
    }

    /**
     * Dials the agent and waits for Health.Check, giving up early if the VMM exits meanwhile so a VM that
     * died at boot fails the request in seconds, not after the whole dial timeout.
     */
    private static AgentClient connectAgent(AgentTransport transport, Hypervisor hypervisor, Duration timeout)
            throws IOException, HypervisorException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<AgentClient> up = CompletableFuture.supplyAsync(() -> {
            try {
                AgentClient client = new AgentClient(new TtrpcClient(transport.dial(timeout)));
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                HealthCheckResponse.ServingStatus status = client.check(left);
                if (status != HealthCheckResponse.ServingStatus.SERVING) {
                    client.close();
                    throw new IllegalStateException("agent health check answered " + status);
                }
                return client;
            } catch (IOException | TtrpcException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, Thread::startVirtualThread);
        try {
            Object first = CompletableFuture.anyOf(up, hypervisor.exited())
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (first instanceof AgentClient client) {
                return client;
            }
            up.thenAccept(AgentClient::close);
            throw new HypervisorException("the VM exited with code " + first + " before its agent answered");
        } catch (TimeoutException e) {
            up.thenAccept(AgentClient::close);
            throw new IOException("the agent did not answer within " + timeout + " (" + transport.describe() + ")");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof IllegalStateException ise && ise.getCause() != null
                    ? ise.getCause() : e.getCause();
            throw new IOException("cannot reach the agent over " + transport.describe() + ": " + cause.getMessage(),
                    cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the agent", e);
        }
    }

    public String id() {
        return id;
    }

    /** The configuration the sandbox was started with. */
    public RuntimeConfig config() {
        return config;
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
        undo(agent, hypervisor, share, runDir);
        LOG.info("sandbox stopped", "sandbox", id);
    }

    private static void undo(AgentClient agent, Hypervisor hypervisor, SharedFilesystem share, Path runDir) {
        if (agent != null) {
            agent.close();
        }
        if (hypervisor != null) {
            hypervisor.stop(STOP_GRACE);
        }
        share.cleanup();
        MountCleaner.removeTreeIfUnmounted(runDir);
    }
}
