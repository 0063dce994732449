package dev.katajava.virtcontainers.network;

import dev.katajava.linux.NetNs;
import dev.katajava.linux.netlink.Link;
import dev.katajava.linux.netlink.NetlinkSocket;
import dev.katajava.linux.netlink.Rtnl;
import dev.katajava.linux.netlink.TrafficControl;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file in a sandbox's run directory that says which pod interfaces carry our filters, so that
 * {@code delete} after a shim that died can remove them: {@code netns PATH}, then {@code link NAME} lines.
 */
public final class NetworkRecord {
    static final String FILE = "network";
    private static final Log LOG = Log.of("network");

    private NetworkRecord() {
    }

    static void write(Path runDir, Path netns, List<String> links) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("netns " + netns);
        for (String l : links) {
            lines.add("link " + l);
        }
        Path tmp = runDir.resolve(FILE + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, runDir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static void remove(Path runDir) {
        try {
            Files.deleteIfExists(runDir.resolve(FILE));
        } catch (IOException e) {
            LOG.warn("cannot remove the network record", "file", runDir.resolve(FILE), "error", e.getMessage());
        }
    }

    /**
     * Removes the ingress qdiscs (and with them the redirect filters) a sandbox left on its pod's interfaces.
     * Does nothing without a record; a namespace that is gone has nothing left to clean.
     */
    public static void cleanup(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            Path netns = null;
            List<String> links = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("netns ")) {
                    netns = Path.of(line.substring(6));
                } else if (line.startsWith("link ")) {
                    links.add(line.substring(5));
                }
            }
            if (netns != null && Files.exists(netns) && !links.isEmpty()) {
                try (NetlinkSocket nl = NetNs.call(netns, NetlinkSocket::open)) {
                    for (Link l : Rtnl.links(nl)) {
                        if (links.contains(l.name())) {
                            removeFilters(nl, l);
                        }
                    }
                }
            }
        } catch (Exception e) {
            LOG.warn("cannot clean up the pod's network", "record", file, "error", e.getMessage());
        }
        remove(runDir);
    }

    /** Deletes the ingress qdisc of {@code link}; one that is already gone is not an error. */
    static void removeFilters(NetlinkSocket nl, Link link) {
        try {
            TrafficControl.deleteIngressQdisc(nl, link.index(), link.name());
        } catch (Exception e) {
            LOG.debug("no ingress qdisc to delete", "link", link.name(), "error", e.getMessage());
        }
    }
}
