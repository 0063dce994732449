package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.cri.v1.Container;
import dev.katajava.tests.cri.v1.ContainerStats;
import dev.katajava.tests.cri.v1.ContainerStatsRequest;
import dev.katajava.tests.cri.v1.LinuxContainerResources;
import dev.katajava.tests.cri.v1.PodSandboxStats;
import dev.katajava.tests.cri.v1.PodSandboxStatsRequest;
import dev.katajava.tests.cri.v1.UpdateContainerResourcesRequest;
import dev.katajava.tests.cri.v1.ContainerState;
import dev.katajava.tests.cri.v1.ContainerStatus;
import dev.katajava.tests.cri.v1.ExecSyncResponse;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.cri.v1.PodSandboxState;
import dev.katajava.tests.cri.v1.PodSandboxStatus;
import dev.katajava.tests.support.CriConfigs;
import dev.katajava.tests.support.CriTest;
import dev.katajava.tests.support.Leaks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pod's life through containerd's CRI plugin, as the kubelet drives it, under the {@code kata} handler and
 * under {@code runc} as the reference: the pod's DNS and hostname, two containers talking over the pod's
 * localhost, exec probes, status, logs, and nothing left once the pod is removed.
 */
class CriPodIT extends CriTest {
    /** containerd's CRI log line: RFC 3339 time, stream, P(artial) or F(ull), the text. */
    private static final Pattern CRI_LOG_LINE =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d) (stdout|stderr) [PF] .*");

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void twoContainersOfOnePodShareLocalhostDnsAndHostname(String handler) throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("talk-" + handler, logRoot).build();
        String podId = runPod(pod, handler);
        PodSandboxStatus status = cri.podStatus(podId);
        assertThat(status.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(status.getRuntimeHandler()).isEqualTo(handler);

        String server = cri.runContainer(podId, pod, CriConfigs.container("server", image,
                "sh", "-c", "echo serving; nc -l -p 7070 -e echo hello-from-server; sleep 600").build());
        cri.awaitState(server, ContainerState.CONTAINER_RUNNING, Duration.ofMinutes(1));
        String client = cri.runContainer(podId, pod, CriConfigs.container("client", image, "sleep", "600").build());

        assertThat(cri.exec(client, "cat", "/etc/resolv.conf"))
                .contains("nameserver 10.99.0.53").contains("search e2e.svc.cluster.local").contains("options ndots:5");
        assertThat(cri.exec(client, "hostname").strip()).isEqualTo("talk-" + handler);
        assertThat(cri.exec(server, "hostname").strip()).isEqualTo("talk-" + handler);
        assertThat(retryNc(client)).contains("hello-from-server");

        List<Container> containers = cri.listContainers(podId);
        assertThat(containers).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("server", "client");
        assertThat(containers).allSatisfy(c -> assertThat(c.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING));

        Path log = Path.of(pod.getLogDirectory(), "server/0.log");
        assertThat(Files.readAllLines(log, StandardCharsets.UTF_8)).isNotEmpty()
                .allSatisfy(line -> assertThat(line).matches(CRI_LOG_LINE))
                .anySatisfy(line -> assertThat(line).endsWith(" stdout F serving"));
    }

    /** The server may still be starting nc when the client first tries. */
    private static String retryNc(String client) throws InterruptedException {
        String out = "";
        for (int i = 0; i < 50 && !out.contains("hello"); i++) {
            ExecSyncResponse r = cri.execSync(client, 10, "sh", "-c", "nc 127.0.0.1 7070 </dev/null");
            out = r.getStdout().toString(StandardCharsets.UTF_8);
            if (!out.contains("hello")) {
                Thread.sleep(200);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void execSyncReportsOutputExitCodeAndTimeout(String handler) throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("exec-" + handler, logRoot).build();
        String podId = runPod(pod, handler);
        String c = cri.runContainer(podId, pod, CriConfigs.container("main", image, "sleep", "600").build());

        ExecSyncResponse ok = cri.execSync(c, 0, "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(ok.getStdout().toString(StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(ok.getStderr().toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(ok.getExitCode()).isEqualTo(3);

        long start = System.nanoTime();
        Throwable timedOut = org.assertj.core.api.Assertions.catchThrowable(() -> cri.execSync(c, 2, "sleep", "60"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(timedOut).as("an exec past its timeout").isNotNull();
        assertThat(timedOut.getMessage()).containsIgnoringCase("timeout");
        assertThat(took).isLessThan(Duration.ofSeconds(40));
        assertThat(cri.exec(c, "echo", "still-there")).isEqualTo("still-there\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void containerStatusReportsExitCodeReasonAndTimes(String handler) throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("status-" + handler, logRoot).build();
        String podId = runPod(pod, handler);
        long before = System.currentTimeMillis() * 1_000_000L;
        String c = cri.runContainer(podId, pod, CriConfigs.container("ends", image, "sh", "-c", "exit 7").build());
        ContainerStatus exited = cri.awaitState(c, ContainerState.CONTAINER_EXITED, Duration.ofMinutes(1));
        assertThat(exited.getExitCode()).isEqualTo(7);
        assertThat(exited.getReason()).isEqualTo("Error");
        assertThat(exited.getCreatedAt()).isGreaterThanOrEqualTo(before - 1_000_000_000L);
        assertThat(exited.getStartedAt()).isGreaterThanOrEqualTo(exited.getCreatedAt());
        // containerd takes the start time when Start returns and the end from the exit: a process that ends
        // at once may show an end a few microseconds before its start (runc does).
        assertThat(exited.getFinishedAt()).isGreaterThan(exited.getStartedAt() - 1_000_000_000L)
                .isGreaterThanOrEqualTo(exited.getCreatedAt());

        String ok = cri.runContainer(podId, pod, CriConfigs.container("fine", image, "true").build());
        ContainerStatus completed = cri.awaitState(ok, ContainerState.CONTAINER_EXITED, Duration.ofMinutes(1));
        assertThat(completed.getExitCode()).isZero();
        assertThat(completed.getReason()).isEqualTo("Completed");

        // The kubelet stops a pod right after a member's process ended: nothing of that exit may race it.
        removePod(podId);
        assertThat(Leaks.awaitNone(podId, containerd, Duration.ofSeconds(30))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void statsAndResourceUpdatesReachTheContainer(String handler) throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("stats-" + handler, logRoot).build();
        String podId = runPod(pod, handler);
        String c = cri.runContainer(podId, pod, CriConfigs.container("busy", image, "sh", "-c",
                "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 600").build());
        cri.awaitState(c, ContainerState.CONTAINER_RUNNING, Duration.ofMinutes(1));

        ContainerStats stats = cri.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(c).build())
                .getStats();
        assertThat(stats.getAttributes().getId()).isEqualTo(c);
        assertThat(stats.getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();

        PodSandboxStats podStats = cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                .setPodSandboxId(podId).build()).getStats();
        assertThat(podStats.getAttributes().getId()).isEqualTo(podId);
        assertThat(podStats.getLinux().getContainersList()).extracting(s -> s.getAttributes().getId()).contains(c);

        cri.runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(c)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(96L << 20)
                        .setCpuPeriod(100_000).setCpuQuota(50_000)).build());
        String limits = cri.exec(c, "sh", "-c", "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max 2>/dev/null"
                + " || cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us");
        assertThat(limits).contains(Long.toString(96L << 20)).contains("50000");
    }

    @org.junit.jupiter.api.Test
    void aKataContainerSeesItsOwnCgroupV2GroupReadOnlyWhateverTheHostRuns() throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("cgroup-view", logRoot).build();
        String podId = runPod(pod, KATA);
        String c = cri.runContainer(podId, pod, CriConfigs.container("main", image, "sleep", "600").build());

        assertThat(cri.exec(c, "cat", "/proc/self/cgroup")).isEqualTo("0::/\n");
        assertThat(cri.exec(c, "sh", "-c", "grep ' /sys/fs/cgroup ' /proc/self/mountinfo"))
                .contains(" - cgroup2 ").contains(" ro,");
        assertThat(cri.exec(c, "cat", "/sys/fs/cgroup/cgroup.procs")).isNotBlank();
        assertThat(cri.execSync(c, 0, "sh", "-c", "mkdir /sys/fs/cgroup/escape").getExitCode()).isNotZero();
    }

    /**
     * A member's process exits while the pod is stopped. Ours must answer every Kill and stop on the first
     * StopPodSandbox; containerd's runc shim sometimes fails it with {@code ttrpc: closed}, so runc's pods are
     * stopped as the kubelet does, trying again.
     */
    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void stoppingThePodAsAMemberEndsLeavesNothingBehind(String handler) throws Exception {
        for (int round = 0; round < 3; round++) {
            PodSandboxConfig pod = CriConfigs.pod("race-" + round + "-" + handler, logRoot).build();
            String podId = runPod(pod, handler);
            cri.runContainer(podId, pod, CriConfigs.container("brief", image, "sh", "-c", "sleep 0." + round).build());
            cri.runContainer(podId, pod, CriConfigs.container("long", image, "sleep", "600").build());
            if (handler.equals(KATA)) {
                removePod(podId);
            } else {
                removePodRetrying(podId);
            }
            assertThat(Leaks.awaitNone(podId, containerd, Duration.ofSeconds(30))).isEmpty();
        }
    }
}
