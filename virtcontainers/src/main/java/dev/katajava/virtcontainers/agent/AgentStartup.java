package dev.katajava.virtcontainers.agent;

import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.transport.AgentTransport;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reaches a freshly booted VM's agent, and reconnects to it for as long as the VM lives. */
public final class AgentStartup {
    private static final Duration EXIT_GRACE = Duration.ofMillis(300);
    private static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(5);

    private AgentStartup() {
    }

    /**
     * A new connection after the old one dropped, unless the VM is what went away: a VMM on its way out
     * closes the connection a moment before it is reaped, so its exit is given that moment to show.
     */
    private static TtrpcClient redial(AgentTransport transport, Hypervisor hypervisor) throws IOException {
        try {
            hypervisor.exited().get(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException alive) {
            return new TtrpcClient(transport.dial(RECONNECT_TIMEOUT));
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reconnecting to the agent", e);
        }
    }

    /**
     * Dials the agent and waits for Health.Check, giving up early if the VMM exits meanwhile so a VM that
     * died at boot fails the request in seconds, not after the whole dial timeout.
     */
    public static AgentClient connect(AgentTransport transport, Hypervisor hypervisor, Duration timeout)
            throws IOException, HypervisorException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<AgentClient> up = CompletableFuture.supplyAsync(() -> {
            try {
                AgentClient client = new AgentClient(new TtrpcClient(transport.dial(timeout)),
                        () -> redial(transport, hypervisor));
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                HealthCheckResponse.ServingStatus status = client.check(left);
                if (status != HealthCheckResponse.ServingStatus.SERVING) {
                    client.close();
                    throw new IllegalStateException("agent health check answered " + status.name());
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
            var _ = up.thenAccept(AgentClient::close);
            throw new HypervisorException("the VM exited with code " + first + " before its agent answered");
        } catch (TimeoutException e) {
            var _ = up.thenAccept(AgentClient::close);
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
}
