package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The CNI network of a test containerd's CRI plugin: one conflist (bridge with host-local addresses and
 * portmap for hostPort) whose traffic stays on this machine: a private /24 not routed anywhere else, no
 * masquerade, no default route in the pods. Its bridge and subnet are picked so that several test
 * containerds can run side by side; containerd's CRI plugin runs the loopback plugin itself for {@code lo}.
 */
public final class CniNetwork implements AutoCloseable {
    /** Where Debian's containernetworking-plugins installs the plugins. */
    public static final Path BIN_DIR = Path.of("/usr/lib/cni");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final Path confDir;
    private final Path dataDir;
    private final String bridge;
    private final String subnetPrefix;
    /** The host's IPv4 forwarding before the bridge plugin (as a gateway) turned it on. */
    private final String ipForward;

    private CniNetwork(Path confDir, Path dataDir, String bridge, String subnetPrefix) throws IOException {
        this.confDir = confDir;
        this.dataDir = dataDir;
        this.bridge = bridge;
        this.subnetPrefix = subnetPrefix;
        this.ipForward = Files.readString(IP_FORWARD).strip();
    }

    /** Writes the conflist under {@code dir} for a subnet no route of this host uses yet. */
    public static CniNetwork create(Path dir) throws IOException {
        for (String plugin : List.of("bridge", "host-local", "portmap", "loopback")) {
            if (!Files.isExecutable(BIN_DIR.resolve(plugin))) {
                throw new IOException("CNI plugin " + BIN_DIR.resolve(plugin)
                        + " missing (apt-get install containernetworking-plugins)");
            }
        }
        String routes = Commands.run(List.of("ip", "-4", "route", "show", "table", "all"), Map.of(),
                Duration.ofSeconds(10)).stdout();
        String links = Commands.run(List.of("ip", "-o", "link", "show"), Map.of(), Duration.ofSeconds(10)).stdout();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int third = 1 + random.nextInt(254);
            String prefix = "10.99." + third;
            String bridge = "kcri" + third;
            if (!routes.contains(prefix + ".") && !links.contains(" " + bridge + ":")) {
                CniNetwork network = new CniNetwork(dir.resolve("cni-conf"), dir.resolve("cni-data"), bridge, prefix);
                network.write();
                return network;
            }
        }
        throw new IOException("no free 10.99.N.0/24 subnet for the test CNI network; routes:\n" + routes);
    }

    private void write() throws IOException {
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("10-kata-e2e.conflist"), """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "%s",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "dataDir": "%s",
                        "ranges": [[{"subnet": "%s.0/24"}]]
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}
                  ]
                }
                """.formatted(bridge, bridge, dataDir, subnetPrefix));
    }

    public Path confDir() {
        return confDir;
    }

    /** The host's side of the network: the bridge, which has the subnet's first address. */
    public String bridge() {
        return bridge;
    }

    /** The bridge's address, which the host uses to reach the pods. */
    public String gateway() {
        return subnetPrefix + ".1";
    }

    /** The subnet the pods' addresses come from, in CIDR notation. */
    public String subnet() {
        return subnetPrefix + ".0/24";
    }

    /**
     * Removes the bridge the plugin made (the pods' veths went with their namespaces) and puts the host's
     * IPv4 forwarding back as it was: new network namespaces copy it, so other tests would see it changed.
     */
    @Override
    public void close() throws IOException {
        Commands.run(List.of("ip", "link", "del", bridge), Map.of(), Duration.ofSeconds(10));
        Files.writeString(IP_FORWARD, ipForward + "\n");
    }
}
