package dev.katajava.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMetricsTest {
    @TempDir
    Path proc;

    private void fakeProc() throws Exception {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/status"), """
                Name:\tjava
                VmSize:\t  2048000 kB
                VmRSS:\t    51200 kB
                Threads:\t23
                """);
        Files.writeString(proc.resolve("meminfo"), """
                MemTotal:         2015604 kB
                MemFree:          1800000 kB
                Active(anon):        1024 kB
                SReclaimable:         512 kB
                HugePages_Total:        0
                """);
    }

    @Test
    void agentSizesComeFromItsStatusInBytes() throws Exception {
        fakeProc();
        String text = new AgentMetrics(proc).scrape();
        assertThat(text).contains("# TYPE kata_agent_total_rss gauge\nkata_agent_total_rss 52428800\n")
                .contains("kata_agent_total_vm 2097152000\n")
                .contains("kata_agent_threads 23\n");
    }

    @Test
    void guestMemoryIsOneSamplePerMeminfoLineNamedAsKataNamesIt() throws Exception {
        fakeProc();
        String text = new AgentMetrics(proc).scrape();
        assertThat(text).contains("kata_guest_meminfo{item=\"mem_total\"} " + 2015604L * 1024 + "\n")
                .contains("kata_guest_meminfo{item=\"mem_free\"} " + 1800000L * 1024 + "\n")
                .contains("kata_guest_meminfo{item=\"active_anon\"} 1048576\n")
                .contains("kata_guest_meminfo{item=\"s_reclaimable\"} 524288\n")
                .contains("kata_guest_meminfo{item=\"hugepages_total\"} 0\n");
    }

    @Test
    void everyScrapeIsCounted() throws Exception {
        fakeProc();
        AgentMetrics metrics = new AgentMetrics(proc);
        metrics.scrape();
        assertThat(metrics.scrape()).contains("kata_agent_scrape_count 2\n");
    }

    @Test
    void missingSourcesAreLeftOutWithoutFailingTheScrape() {
        String text = new AgentMetrics(proc).scrape();
        assertThat(text).contains("kata_agent_scrape_count 1").doesNotContain("kata_agent_total_rss")
                .doesNotContain("kata_guest_meminfo");
    }

    @Test
    void meminfoKeysBecomeKataItemNames() {
        assertThat(AgentMetrics.item("MemAvailable")).isEqualTo("mem_available");
        assertThat(AgentMetrics.item("SwapCached")).isEqualTo("swap_cached");
        assertThat(AgentMetrics.item("Committed_AS")).isEqualTo("committed_as");
        assertThat(AgentMetrics.item("NFS_Unstable")).isEqualTo("nfs_unstable");
        assertThat(AgentMetrics.item("AnonHugePages")).isEqualTo("anon_hugepages");
        assertThat(AgentMetrics.item("Hugepagesize")).isEqualTo("hugepagesize");
        assertThat(AgentMetrics.item("DirectMap4k")).isEqualTo("direct_map_4k");
        assertThat(AgentMetrics.item("Inactive(file)")).isEqualTo("inactive_file");
    }
}
