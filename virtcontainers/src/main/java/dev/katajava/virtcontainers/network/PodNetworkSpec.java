package dev.katajava.virtcontainers.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.linux.NetNs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an OCI spec says of the pod's network.
 *
 * @param netns the network namespace to mirror into the VM; null when the runtime makes a new one (only
 *              loopback, as {@code ctr run} without {@code --with-ns})
 * @param dns   the {@code nameserver}, {@code search} and {@code options} lines of the resolv.conf the spec
 *              mounts at {@code /etc/resolv.conf} (Kata's {@code CreateSandboxRequest.dns})
 */
public record PodNetworkSpec(Path netns, List<String> dns) {
    /** A new namespace with nothing in it. */
    public static final PodNetworkSpec EMPTY = new PodNetworkSpec(null, List.of());

    public PodNetworkSpec {
        dns = List.copyOf(dns);
    }

    /**
     * Reads the spec's network namespace. A spec without one asks for the host's network, which a VM cannot
     * share; a path that is not a network namespace fails naming it.
     */
    public static PodNetworkSpec of(JsonNode spec) throws NetworkException {
        JsonNode network = null;
        for (JsonNode ns : spec.path("linux").path("namespaces")) {
            if (ns.path("type").asText().equals("network")) {
                network = ns;
            }
        }
        if (network == null) {
            throw new NetworkException("host networking is not supported by this runtime: the spec has no network"
                    + " namespace, and a VM cannot share the host's network stack");
        }
        String path = network.path("path").asText("");
        if (path.isEmpty()) {
            return new PodNetworkSpec(null, dns(spec));
        }
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new NetworkException("network namespace " + path + " does not exist");
        }
        try {
            NetNs.check(p);
        } catch (Exception e) {
            throw new NetworkException("network namespace " + path + " cannot be joined: " + e.getMessage(), e);
        }
        return new PodNetworkSpec(p, dns(spec));
    }

    private static List<String> dns(JsonNode spec) {
        List<String> lines = new ArrayList<>();
        for (JsonNode m : spec.path("mounts")) {
            if (!m.path("destination").asText().equals("/etc/resolv.conf")) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(Path.of(m.path("source").asText()))) {
                    String l = line.strip();
                    if (l.startsWith("nameserver") || l.startsWith("search") || l.startsWith("options")) {
                        lines.add(l);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not readable here: the container still gets the file through its mount.
            }
        }
        return lines;
    }
}
