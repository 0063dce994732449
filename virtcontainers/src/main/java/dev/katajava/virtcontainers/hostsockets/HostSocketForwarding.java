package dev.katajava.virtcontainers.hostsockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.ForwardHostSocketsRequest;
import dev.katajava.protocols.agent.ForwardHostSocketsResponse;
import dev.katajava.protocols.agent.HostSocket;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes the host sockets a container's bind mounts bring in reachable from it: the guest listens in their
 * place ({@code ForwardHostSockets}) and the container's spec binds each guest socket where the container
 * sees the host one — in place of a socket bound by itself, or over the shared socket file right after the
 * directory mount that holds it.
 */
public final class HostSocketForwarding {
    private static final Log LOG = Log.of("shim");
    private static final Path NET_UNIX = Path.of("/proc/net/unix");

    private HostSocketForwarding() {
    }

    /**
     * Returns {@code guestSpec} with the forwarded sockets bound in, or unchanged when there are none, the
     * channel cannot carry them, or the agent does not know the call (each logged).
     *
     * @param hostSpec the spec as containerd wrote it (host paths)
     * @param guestSpec the same spec with bind sources already rewritten to the share
     */
    public static JsonNode apply(Sandbox sandbox, String containerId, JsonNode hostSpec, Path bundle,
            JsonNode guestSpec) throws IOException, TtrpcException {
        List<HostSocketScan.Found> found = HostSocketScan.scan(hostSpec, bundle, NET_UNIX);
        if (found.isEmpty()) {
            return guestSpec;
        }
        if (!sandbox.agentEndpoint().kind().isVsock()) {
            LOG.warn("host sockets in bind mounts are not forwarded: the agent channel is virtio-serial (one"
                    + " stream); connecting to them in the container is refused", "container", containerId,
                    "sockets", paths(found));
            return guestSpec;
        }
        HostSocketRelay relay = sandbox.hostSocketRelay();
        ForwardHostSocketsRequest.Builder req = ForwardHostSocketsRequest.newBuilder()
                .setContainerId(containerId).setVsockPort(relay.port());
        for (HostSocketScan.Found f : found) {
            req.addSockets(HostSocket.newBuilder()
                    .setToken(relay.register(containerId, f.hostPath(), f.containerPath()))
                    .setContainerPath(f.containerPath())
                    .setUid(f.uid()).setGid(f.gid()).setMode(f.mode()));
        }
        ForwardHostSocketsResponse resp;
        try {
            resp = sandbox.agent().forwardHostSockets(req.build());
        } catch (TtrpcException e) {
            relay.release(containerId);
            if (e.code() == Code.UNIMPLEMENTED || e.code() == Code.NOT_FOUND) {
                LOG.warn("the agent cannot forward host sockets (an agent without ForwardHostSockets); connecting"
                        + " to them in the container is refused", "container", containerId, "sockets", paths(found),
                        "error", e.getMessage());
                return guestSpec;
            }
            throw e;
        }
        if (resp.getGuestPathsCount() != found.size()) {
            relay.release(containerId);
            throw new IOException("the agent answered " + resp.getGuestPathsCount() + " guest paths for "
                    + found.size() + " host sockets");
        }
        LOG.info("host sockets forwarded", "container", containerId, "sockets", paths(found));
        return bindGuestSockets(guestSpec, found, resp.getGuestPathsList());
    }

    /**
     * The spec with each found socket's guest stand-in bound in: a mount whose source was the socket gets the
     * guest path as its source; a socket inside a bound directory gets a bind of its own right after that
     * directory's mount (later mounts still shadow it as they would the host socket).
     */
    static JsonNode bindGuestSockets(JsonNode guestSpec, List<HostSocketScan.Found> found, List<String> guestPaths) {
        ObjectNode copy = guestSpec.deepCopy();
        ArrayNode mounts = (ArrayNode) copy.get("mounts");
        // From the last mount back, so the indexes of those not yet handled stay valid.
        for (int i = found.size() - 1; i >= 0; i--) {
            HostSocketScan.Found f = found.get(i);
            if (f.wholeMount()) {
                ((ObjectNode) mounts.get(f.mount())).put("source", guestPaths.get(i));
            } else {
                ObjectNode bind = mounts.objectNode();
                bind.put("destination", f.containerPath());
                bind.put("type", "bind");
                bind.put("source", guestPaths.get(i));
                bind.putArray("options").add("bind");
                mounts.insert(f.mount() + 1, bind);
            }
        }
        return copy;
    }

    private static String paths(List<HostSocketScan.Found> found) {
        return String.join(",", found.stream().map(f -> f.hostPath().toString()).toList());
    }
}
