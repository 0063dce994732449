package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PodNetns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pod networking through {@code ctr run --with-ns network:PATH}: the container sees the namespace's interface
 * (MAC, addresses, MTU, routes) and talks both ways with a peer namespace, an interface added after start
 * arrives too, under runc (the reference) and under our runtime; host networking and a missing namespace are
 * refused; nothing of ours stays in the namespace.
 */
class NetworkIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    /**
     * Shows what the container sees, reaches the peer (ping both families, TCP out), then takes one TCP
     * connection from the peer, then waits for eth1 (added by the test meanwhile) and reaches the peer there.
     */
    private static final String SCRIPT = String.join("\n",
            "echo mac=$(cat /sys/class/net/eth0/address) mtu=$(cat /sys/class/net/eth0/mtu)",
            "ip -o addr show dev eth0 | grep -oE 'inet6? [0-9a-f:.]+/[0-9]+' | sed 's/^/addr /'",
            "ip route | sed 's/^/route4 /'; ip -6 route | grep -v fe80 | sed 's/^/route6 /'",
            "ping -c 1 -W 10 " + PodNetns.PEER_V4 + " >/dev/null && echo ping4-ok",
            "ping6 -c 1 -W 10 " + PodNetns.PEER_V6 + " >/dev/null && echo ping6-ok",
            "echo from-container | nc -w 10 " + PodNetns.PEER_V4 + " 7001 && echo sent-ok",
            // busybox nc quits at the end of its stdin: a FIFO opened read-write never ends.
            "mkfifo /dev/shm/hold; echo got=$(nc -l -p 7002 <>/dev/shm/hold)",
            "i=0; until ip -o addr show dev eth1 2>/dev/null | grep -q 10.79.0.2; do i=$((i+1)); "
                    + "[ $i -gt 120 ] && break; sleep 1; done",
            "ping -c 1 -W 10 10.79.0.1 >/dev/null && echo hotplug-ok",
            "");

    /** Runs the script with the pod's namespace under {@code runtime}; returns its output and what was left. */
    private Commands.Result runInPod(String runtime, PodNetns net, String id) throws Exception {
        Process listener = net.startInPeer("busybox nc -l -p 7001");
        CompletableFuture<Commands.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return ctr("run", "--rm", "--runtime", runtime, "--with-ns", "network:" + net.podPath(), image, id,
                        "sh", "-c", SCRIPT);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        // The container listens once it has reached the peer; until then the connection is refused or dropped.
        Commands.Result sent = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!run.isDone() && System.nanoTime() < deadline) {
            sent = net.inPeer("echo from-peer | busybox nc -w 3 " + PodNetns.POD_V4 + " 7002", Duration.ofSeconds(10));
            if (sent.exitCode() == 0) {
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(sent).as(runtime + ": peer to container").isNotNull();
        assertThat(sent.exitCode()).as(runtime + ": peer to container: " + sent.describe()).isZero();
        net.addSecondInterface();
        Commands.Result r = run.get(4, TimeUnit.MINUTES);
        assertThat(listener.waitFor(30, TimeUnit.SECONDS)).as(runtime + ": peer listener done").isTrue();
        String received = new String(listener.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(received).as(runtime + ": container to peer").isEqualTo("from-container\n");
        return r;
    }

    @Test
    void theContainerGetsThePodInterfaceAndTalksBothWaysWithThePeerAsUnderRunc() throws Exception {
        String pid = Long.toString(ProcessHandle.current().pid());
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String tag = "kn" + (runtime.equals(RUNC) ? "r" : "k") + pid;
            try (PodNetns net = PodNetns.create(tag)) {
                String mac = net.inPod("cat /sys/class/net/eth0/address").strip();
                String id = "net-" + tag;
                Commands.Result r = runInPod(runtime, net, id);
                String out = r.stdout();
                assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
                assertThat(out).as(runtime)
                        .contains("mac=" + mac.toLowerCase(Locale.ROOT) + " mtu=" + PodNetns.MTU)
                        .contains("addr inet " + PodNetns.POD_V4 + "/24")
                        .contains("addr inet6 " + PodNetns.POD_V6 + "/64")
                        .containsPattern("route4 default via " + PodNetns.PEER_V4 + " dev eth0")
                        .containsPattern("route4 10.78.0.0/24 via " + PodNetns.PEER_V4 + " dev eth0")
                        .containsPattern("route6 default via " + PodNetns.PEER_V6 + " dev eth0")
                        .contains("ping4-ok", "ping6-ok", "sent-ok", "got=from-peer", "hotplug-ok");
                if (runtime.equals(RUNTIME)) {
                    // busybox's ip shows no route metrics: the guest's own table, as the agent reads it back.
                    assertThat(Files.readString(containerd.log())).as("guest routes in the shim log")
                            .contains("10.78.0.0/24 via " + PodNetns.PEER_V4 + " dev eth0 mtu " + PodNetns.ROUTE_MTU);
                }
                ctr("containers", "rm", id);
                assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).as(runtime).isEmpty();
                assertThat(net.leftovers()).as(runtime + ": taps and qdiscs left in the pod namespace").isEmpty();
            }
        }
    }

    @Test
    void afterASigkilledShimTheDeleteActionRemovesTheFiltersFromThePodNamespace() throws Exception {
        String tag = "knd" + ProcessHandle.current().pid();
        try (PodNetns net = PodNetns.create(tag)) {
            String id = "net-shimkill-" + tag;
            Commands.Result started = ctr("run", "-d", "--runtime", RUNTIME, "--with-ns", "network:" + net.podPath(),
                    image, id, "sleep", "600");
            assertThat(started.exitCode()).as(started.describe()).isZero();
            assertThat(net.leftovers()).as("connected while running").isNotEmpty();
            ProcessHandle shim;
            try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
                shim = all.filter(p -> {
                    String cmd = p.info().commandLine().orElse("");
                    return cmd.contains("dev.katajava.shim.ShimMain")
                            && (cmd.contains("-id " + id + " ") || cmd.endsWith("-id " + id));
                }).findFirst().orElseThrow();
            }
            shim.destroyForcibly();
            shim.onExit().get();
            for (int i = 0; i < 150 && ctr("task", "ls").stdout().lines()
                    .anyMatch(l -> l.startsWith(id + " ") && l.contains("RUNNING")); i++) {
                Thread.sleep(200);
            }
            ctr("task", "delete", id);
            ctr("containers", "rm", id);
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(30))).isEmpty();
            assertThat(net.leftovers()).as("taps and qdiscs left in the pod namespace").isEmpty();
        }
    }

    @Test
    void hostNetworkingIsRefusedAndLeavesNothing() throws Exception {
        String id = "net-host-" + ProcessHandle.current().pid();
        Commands.Result r = ctr("run", "--rm", "--runtime", RUNTIME, "--net-host", image, id, "true");
        ctr("containers", "rm", id);
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(r.stderr()).contains("host networking is not supported by this runtime");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aNetworkNamespaceThatDoesNotExistIsRefusedByPath() throws Exception {
        String id = "net-missing-" + ProcessHandle.current().pid();
        String path = "/var/run/netns/kata-e2e-missing-" + ProcessHandle.current().pid();
        Commands.Result r = ctr("run", "--rm", "--runtime", RUNTIME, "--with-ns", "network:" + path, image, id,
                "true");
        ctr("containers", "rm", id);
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(r.stderr()).contains("network namespace " + path + " does not exist");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void anInterfaceOfAKindThatCannotBeConnectedIsRefusedByName() throws Exception {
        String tag = "knb" + ProcessHandle.current().pid();
        try (PodNetns net = PodNetns.create(tag)) {
            net.inPod("ip link add br7 type bridge && ip addr add 10.80.0.1/24 dev br7 && ip link set br7 up");
            String id = "net-bridge-" + tag;
            Commands.Result r = ctr("run", "--rm", "--runtime", RUNTIME, "--with-ns", "network:" + net.podPath(),
                    image, id, "true");
            ctr("containers", "rm", id);
            assertThat(r.exitCode()).as(r.describe()).isNotZero();
            assertThat(r.stderr()).contains("pod interface br7").contains("\"bridge\"");
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
            assertThat(net.leftovers()).isEmpty();
        }
    }

}
