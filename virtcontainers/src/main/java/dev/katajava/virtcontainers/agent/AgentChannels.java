package dev.katajava.virtcontainers.agent;

import dev.katajava.transport.AgentTransport;
import dev.katajava.transport.HybridVsockTransport;
import dev.katajava.transport.UnixSocketTransport;
import dev.katajava.transport.VsockTransport;
import dev.katajava.transport.stdio.GuestPortDialer;
import dev.katajava.transport.stdio.HybridVsockDialer;
import dev.katajava.transport.stdio.KernelVsockDialer;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.function.Predicate;

/**
 * Picks how the host reaches a sandbox's agent, and dials it. {@code auto} takes kernel vhost-vsock where
 * the host has it and the userspace vhost-user-vsock backend elsewhere; virtio-serial is kept for QEMUs or
 * guests without vsock, by configuration.
 */
public final class AgentChannels {
    private static final Path VHOST_VSOCK = Path.of("/dev/vhost-vsock");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentChannels() {
    }

    /** The endpoint for {@code transport} (from configuration) for a sandbox whose run directory is {@code runDir}. */
    public static AgentEndpoint choose(String transport, Path runDir) {
        return choose(transport, runDir, p -> Files.isReadable(p) && Files.isWritable(p));
    }

    static AgentEndpoint choose(String transport, Path runDir, Predicate<Path> usable) {
        String kind = transport.equals("auto") ? (usable.test(VHOST_VSOCK) ? "vhost-vsock" : "vhost-user-vsock")
                : transport;
        return switch (kind) {
            // Kernel vsock CIDs are host-wide: pick one at random among the 2^32 - 4 a guest may have.
            case "vhost-vsock" -> new AgentEndpoint(AgentEndpoint.Kind.VHOST_VSOCK, runDir,
                    3 + (RANDOM.nextLong() & 0xFFFF_FFFFL) % 0xFFFF_FFFCL);
            // Behind our own backend the CID is private to this VM.
            case "vhost-user-vsock" -> new AgentEndpoint(AgentEndpoint.Kind.VHOST_USER_VSOCK,
                    runDir.resolve("kata.hvsock"), 3);
            case "virtio-serial" -> AgentEndpoint.virtioSerial(runDir.resolve("agent.sock"));
            default -> throw new IllegalArgumentException("unknown agent transport \"" + transport + "\"");
        };
    }

    /**
     * What opens further connections to guest ports for direct stdio streams; null over virtio-serial,
     * which carries the one RPC stream only.
     */
    public static GuestPortDialer portDialer(AgentEndpoint endpoint) {
        return switch (endpoint.kind()) {
            case VIRTIO_SERIAL -> null;
            case VHOST_USER_VSOCK -> new HybridVsockDialer(endpoint.socket());
            case VHOST_VSOCK -> new KernelVsockDialer((int) endpoint.cid());
        };
    }

    /** The transport that dials {@code endpoint}. */
    public static AgentTransport transport(AgentEndpoint endpoint) {
        return switch (endpoint.kind()) {
            case VIRTIO_SERIAL -> new UnixSocketTransport(endpoint.socket());
            case VHOST_USER_VSOCK -> new HybridVsockTransport(endpoint.socket(), AgentEndpoint.VSOCK_PORT);
            case VHOST_VSOCK -> new VsockTransport((int) endpoint.cid(), AgentEndpoint.VSOCK_PORT);
        };
    }
}
