package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One probe script run under runc and under our runtime through the same containerd: every section of what
 * the container observes (credentials, capabilities, limits, mounts, devices, masked paths, cgroups,
 * loopback, exit statuses, ...) must match, but for the few {@link AcceptedDifferences} a VM implies.
 */
class RuncDifferentialIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    /** The probe's sections under each runtime, from one run each. */
    private static Map<String, List<String>> runc;
    private static Map<String, List<String>> kata;

    private static String probe() throws IOException {
        try (InputStream in = RuncDifferentialIT.class.getResourceAsStream("probe.sh")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, List<String>> runProbe(String runtime, String id) throws Exception {
        Commands.Result r = containerd.ctr(List.of("run", "--rm", "--runtime", runtime, image, id, "sh", "-c", probe()),
                Duration.ofMinutes(3));
        assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
        return ProbeSections.parse(r.stdout());
    }

    @BeforeAll
    static void probeBothRuntimes() throws Exception {
        // The same container id on both sides: it shows in cgroup paths and must not count as a difference.
        String id = "e2e-diff-" + ProcessHandle.current().pid();
        runc = runProbe(RUNC, id);
        kata = runProbe(RUNTIME, id);
    }

    @Test
    void everyProbedSectionMatchesRuncButTheAcceptedDifferences() {
        assertThat(runc).containsKeys("identity", "capabilities", "mounts", "devices", "masked", "cgroup", "loopback",
                "network", "statuses");
        System.out.println(ProbeSections.describe(runc, kata, AcceptedDifferences.LIST));
        List<String> differences = ProbeSections.differences(runc, kata, AcceptedDifferences.LIST);
        assertThat(differences).as(String.join("\n", differences)).isEmpty();
    }

    @Test
    void loopbackIsUpWithItsAddressesAndCarriesPingAndTcp() {
        for (var seen : List.of(Map.entry(RUNC, runc), Map.entry(RUNTIME, kata))) {
            // Up is all the runtime does; the kernel adds both addresses.
            assertThat(seen.getValue().get("loopback")).as(seen.getKey()).contains("lo inet 127.0.0.1/8",
                    "lo inet6 ::1/128");
            assertThat(seen.getValue().get("network")).as(seen.getKey()).containsExactly("ping 127.0.0.1 0",
                    "ping ::1 0", "nc client 0", "nc server 0 over-tcp");
        }
    }

    /** A process started with {@code ctr task exec} observes what runc's exec would give it, too. */
    @Test
    void anExecutedProcessMatchesRuncButTheAcceptedDifferences() throws Exception {
        String id = "e2e-diff-exec-" + ProcessHandle.current().pid();
        Map<String, List<String>> runcExec = execProbe(RUNC, id);
        Map<String, List<String>> kataExec = execProbe(RUNTIME, id);
        assertThat(runcExec).containsKeys("identity", "capabilities", "env", "cgroup");
        List<String> differences = ProbeSections.differences(runcExec, kataExec, AcceptedDifferences.LIST);
        assertThat(differences).as(String.join("\n", differences)).isEmpty();
    }

    private static Map<String, List<String>> execProbe(String runtime, String id) throws Exception {
        Commands.Result started = ctr("run", "-d", "--runtime", runtime, image, id, "sleep", "600");
        assertThat(started.exitCode()).as(started.describe()).isZero();
        try {
            Commands.Result r = ctr("task", "exec", "--exec-id", "probe", id, "sh", "-c", probe());
            assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
            return ProbeSections.parse(r.stdout());
        } finally {
            removeTask(id);
        }
    }

    /** A container's own end, by a signal from outside or by exiting, is reported with runc's status. */
    @Test
    void containerExitStatusesMatchRunc() throws Exception {
        List<String> cases = List.of("exit 42", "trap 'exit 143' TERM; sleep 600 & wait", "sleep 600");
        List<String> differences = new ArrayList<>();
        int n = 0;
        for (String script : cases) {
            String signal = script.startsWith("trap") ? "SIGTERM" : "SIGKILL";
            String base = "e2e-exit-" + ProcessHandle.current().pid() + "-" + n++;
            int runc = endStatus(RUNC, base + "-runc", script, signal);
            int kata = endStatus(RUNTIME, base + "-kata", script, signal);
            if (runc != kata) {
                differences.add(script + " (" + signal + "): runc " + runc + ", kata " + kata);
            }
        }
        assertThat(differences).isEmpty();
    }

    /** Starts {@code script} detached, signals it unless it ends by itself, and returns its exit status. */
    private static int endStatus(String runtime, String id, String script, String signal) throws Exception {
        Commands.Result started = ctr("run", "-d", "--runtime", runtime, image, id, "sh", "-c", script);
        assertThat(started.exitCode()).as(started.describe()).isZero();
        if (!script.startsWith("exit")) {
            Thread.sleep(1000);
            ctr("task", "kill", "--signal", signal, id);
        }
        Commands.Result deleted = ctr("task", "delete", id);
        for (int i = 0; i < 100 && deleted.stderr().contains("running"); i++) {
            Thread.sleep(200);
            deleted = ctr("task", "delete", id);
        }
        ctr("containers", "rm", id);
        assertThat(deleted.exitCode()).as(deleted.describe()).isZero();
        // ctr reports a non-zero status only as a warning on stderr.
        Matcher status = Pattern.compile("exit with non-zero exit code (\\d+)").matcher(deleted.stderr());
        return status.find() ? Integer.parseInt(status.group(1)) : 0;
    }
}
