package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code kata-runtime metrics}: the shim's and the agent's figures of a running sandbox, read from the host. */
class MetricsIT extends ContainerdTest {
    @Test
    void kataRuntimeMetricsReportsTheShimAndTheAgentAndTheSocketGoesWithTheSandbox() throws Exception {
        String id = "metrics-" + ProcessHandle.current().pid();
        Path socket = Path.of("/run/vc/sbs", id, "shim-monitor.sock");
        Commands.Result run = ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600");
        assertThat(run.exitCode()).as(run.describe()).isZero();
        try {
            assertThat(socket).exists();
            Commands.Result metrics = kataRuntime("metrics", id);
            assertThat(metrics.exitCode()).as(metrics.describe()).isZero();
            String text = metrics.stdout();

            long agentRss = sample(text, "kata_agent_total_rss");
            long guestMemory = sample(text, "kata_guest_meminfo{item=\"mem_total\"}");
            System.out.printf("kata_agent_total_rss %d bytes (%d MiB) of a %d MiB guest; kata_shim_rss_bytes %d MiB%n",
                    agentRss, agentRss >> 20, guestMemory >> 20, sample(text, "kata_shim_rss_bytes") >> 20);
            assertThat(agentRss).isPositive().isLessThan(guestMemory / 2);
            assertThat(sample(text, "kata_agent_total_vm")).isGreaterThanOrEqualTo(agentRss);
            assertThat(sample(text, "kata_agent_threads")).isPositive();
            assertThat(sample(text, "kata_shim_rss_bytes")).isPositive();
            assertThat(sample(text, "kata_shim_threads")).isPositive();
        } finally {
            removeTask(id);
        }
        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).doesNotExist();
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();

        Commands.Result gone = kataRuntime("metrics", id);
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr()).contains("sandbox " + id + " not found");
    }

    private static Commands.Result kataRuntime(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(E2eEnvironment.PREFIX.resolve("bin/kata-runtime").toString());
        command.addAll(List.of(args));
        return Commands.run(command, Map.of(), Duration.ofMinutes(2));
    }

    /** The value of the sample named exactly {@code name} (labels included), which must be present. */
    private static long sample(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9]+)$").matcher(text);
        assertThat(m.find()).as(name + " in:\n" + text).isTrue();
        return Long.parseLong(m.group(1));
    }
}
