package dev.katajava.tests.support;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod network namespace as CNI leaves it, made with iproute2: namespace {@code pod} holds {@code eth0}, one
 * end of a veth pair whose other end is in namespace {@code peer}; IPv4 and IPv6 on both ends, a non-default
 * MTU, a default route through the peer and a route with its own MTU.
 */
public final class PodNetns implements AutoCloseable {
    public static final int MTU = 1400;
    public static final int ROUTE_MTU = 1300;
    public static final String POD_V4 = "10.77.0.2";
    public static final String PEER_V4 = "10.77.0.1";
    public static final String POD_V6 = "fd77::2";
    public static final String PEER_V6 = "fd77::1";

    private final String pod;
    private final String peer;

    private PodNetns(String pod, String peer) {
        this.pod = pod;
        this.peer = peer;
    }

    /** Namespaces named {@code <tag>-pod} and {@code <tag>-peer} (removed first if a run left them). */
    public static PodNetns create(String tag) throws IOException {
        PodNetns n = new PodNetns(tag + "-pod", tag + "-peer");
        n.close();
        n.sh("ip netns add " + n.pod + " && ip netns add " + n.peer
                + " && ip -n " + n.pod + " link add eth0 mtu " + MTU + " type veth peer name peer0 mtu " + MTU
                + " netns " + n.peer
                + " && ip -n " + n.pod + " link set lo up && ip -n " + n.peer + " link set lo up"
                + " && ip -n " + n.pod + " addr add " + POD_V4 + "/24 dev eth0"
                + " && ip -n " + n.pod + " addr add " + POD_V6 + "/64 dev eth0 nodad"
                + " && ip -n " + n.peer + " addr add " + PEER_V4 + "/24 dev peer0"
                + " && ip -n " + n.peer + " addr add " + PEER_V6 + "/64 dev peer0 nodad"
                + " && ip -n " + n.pod + " link set eth0 up && ip -n " + n.peer + " link set peer0 up"
                + " && ip -n " + n.pod + " route add default via " + PEER_V4
                + " && ip -n " + n.pod + " route add 10.78.0.0/24 via " + PEER_V4 + " mtu " + ROUTE_MTU
                + " && ip -n " + n.pod + " -6 route add default via " + PEER_V6);
        return n;
    }

    /** Adds {@code eth1} (10.79.0.2/24) to the pod, paired with {@code peer1} (10.79.0.1/24) in the peer. */
    public void addSecondInterface() throws IOException {
        sh("ip -n " + pod + " link add eth1 type veth peer name peer1 netns " + peer
                + " && ip -n " + peer + " addr add 10.79.0.1/24 dev peer1 && ip -n " + peer + " link set peer1 up"
                + " && ip -n " + pod + " addr add 10.79.0.2/24 dev eth1 && ip -n " + pod + " link set eth1 up");
    }

    public String podPath() {
        return "/var/run/netns/" + pod;
    }

    /** Runs {@code command} (a shell line) inside the pod namespace, failing on a non-zero exit; its output. */
    public String inPod(String command) throws IOException {
        return sh("ip netns exec " + pod + " sh -c '" + command.replace("'", "'\\''") + "'");
    }

    /** Runs {@code command} (a shell line) inside the peer namespace. */
    public Commands.Result inPeer(String command, Duration timeout) throws IOException {
        return Commands.run(List.of("ip", "netns", "exec", peer, "sh", "-c", command), Map.of(), timeout);
    }

    /** Starts {@code command} inside the peer namespace. */
    public Process startInPeer(String command) throws IOException {
        return new ProcessBuilder("ip", "netns", "exec", peer, "sh", "-c", command).redirectErrorStream(true).start();
    }

    /** What of ours is left in the pod's namespace: taps and ingress qdiscs. */
    public List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>();
        String links = sh("ip -n " + pod + " -o link show");
        for (String l : links.split("\n", -1)) {
            if (l.contains("_kata")) {
                left.add("tap: " + l.strip());
            }
        }
        String qdiscs = sh("tc -n " + pod + " qdisc show");
        for (String q : qdiscs.split("\n", -1)) {
            if (q.contains("ingress")) {
                left.add("qdisc: " + q.strip());
            }
        }
        return left;
    }

    private String sh(String command) throws IOException {
        Commands.Result r = Commands.run(List.of("sh", "-c", command), Map.of(), Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new IOException(command + ": " + r.describe());
        }
        return r.stdout();
    }

    @Override
    public void close() throws IOException {
        Commands.run(List.of("sh", "-c", "ip netns del " + pod + " 2>/dev/null; ip netns del " + peer
                + " 2>/dev/null; true"), Map.of(), Duration.ofSeconds(30));
    }
}
