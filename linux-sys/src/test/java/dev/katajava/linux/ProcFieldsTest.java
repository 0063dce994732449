package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcFieldsTest {
    @Test
    void kibValuesBecomeBytesAndCountsStayAsTheyAre() {
        Map<String, Long> f = ProcFields.parse(List.of("MemTotal:        2015604 kB", "HugePages_Total:       0",
                "Threads:\t17"));
        assertThat(f).containsExactly(Map.entry("MemTotal", 2015604L * 1024), Map.entry("HugePages_Total", 0L),
                Map.entry("Threads", 17L));
    }

    @Test
    void namesStatesMasksAndIdListsAreLeftOut() {
        Map<String, Long> f = ProcFields.parse(List.of("Name:\tjava", "State:\tS (sleeping)", "Uid:\t0\t0\t0\t0",
                "SigQ:\t0/63541", "Cpus_allowed:\tff", "no colon here", "VmRSS:\t  4096 kB"));
        assertThat(f).containsOnlyKeys("VmRSS");
    }

    @Test
    void readsTheRealStatusOfThisProcess() throws Exception {
        Map<String, Long> f = ProcFields.read(java.nio.file.Path.of("/proc/self/status"));
        assertThat(f.get("VmRSS")).isPositive();
        assertThat(f.get("Threads")).isPositive();
    }
}
