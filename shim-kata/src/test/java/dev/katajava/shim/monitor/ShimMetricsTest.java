package dev.katajava.shim.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimMetricsTest {
    @TempDir
    Path proc;

    @Test
    void shimFiguresComeFirstThenTheAgentsText() throws Exception {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/status"), "Name:\tjava\nVmRSS:\t  1000 kB\nThreads:\t31\n");
        String text = new ShimMetrics(proc, () -> "kata_agent_total_rss 5").get();
        assertThat(text).isEqualTo("""
                # HELP kata_shim_rss_bytes Resident set size of the shim process
                # TYPE kata_shim_rss_bytes gauge
                kata_shim_rss_bytes 1024000
                # HELP kata_shim_threads Threads of the shim process
                # TYPE kata_shim_threads gauge
                kata_shim_threads 31
                kata_agent_total_rss 5
                """);
    }

    @Test
    void anUnreachableAgentLeavesAnExplanatoryCommentAndTheShimFigures() {
        String text = new ShimMetrics(Path.of("/proc"), () -> {
            throw new java.io.IOException("connection reset");
        }).get();
        assertThat(text).containsPattern("(?m)^kata_shim_rss_bytes [1-9][0-9]*$")
                .endsWith("# agent metrics unavailable: connection reset\n");
    }
}
