package dev.katajava.shim.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RuncDefaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSpecWithoutHostnameGetsTheHosts() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        assertThat(RuncDefaults.hostname(JSON.readTree("{}"))).isEqualTo(host);
        assertThat(RuncDefaults.hostname(JSON.readTree("{\"hostname\":\"\"}"))).isEqualTo(host);
        assertThat(RuncDefaults.hostname(JSON.readTree("{\"hostname\":\"web\"}"))).isEqualTo("web");
    }

    @Test
    void anUnsetOomScoreAdjIsInheritedAsFromRuncsShimAndASetOneIsKept() throws Exception {
        Process converted = Process.newBuilder().addArgs("sh").setOOMScoreAdj(0).build();
        long own = Long.parseLong(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        assertThat(RuncDefaults.inherit(JSON.readTree("{\"args\":[\"sh\"]}"), converted).getOOMScoreAdj())
                .isEqualTo(Math.min(own + 1, 1000));
        Process set = converted.toBuilder().setOOMScoreAdj(-500).build();
        assertThat(RuncDefaults.inherit(JSON.readTree("{\"oomScoreAdj\":-500}"), set).getOOMScoreAdj()).isEqualTo(-500);
    }

    @Test
    void theInheritedScoreIsContainerdsPlusOneUpToTheMaximum() {
        assertThat(RuncDefaults.inheritedOomScoreAdj(0)).isEqualTo(1);
        assertThat(RuncDefaults.inheritedOomScoreAdj(-999)).isEqualTo(-998);
        assertThat(RuncDefaults.inheritedOomScoreAdj(1000)).isEqualTo(1000);
    }

    @Test
    void rlimitsTheSpecLeavesUnsetAreTheShimsAndSetOnesAreKept() throws Exception {
        Process converted = Process.newBuilder().addArgs("sh")
                .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_NOFILE").setSoft(1024).setHard(1024))
                .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_CORE").setSoft(1).setHard(2)).build();
        Process p = RuncDefaults.inherit(JSON.readTree("{}"), converted);
        Map<String, POSIXRlimit> byType = p.getRlimitsList().stream()
                .collect(Collectors.toMap(POSIXRlimit::getType, r -> r));
        assertThat(byType.get("RLIMIT_NOFILE").getSoft()).isEqualTo(1024);
        assertThat(byType.get("RLIMIT_CORE").getHard()).isEqualTo(2);
        assertThat(byType).containsKeys("RLIMIT_NPROC", "RLIMIT_STACK", "RLIMIT_SIGPENDING", "RLIMIT_MEMLOCK");
        assertThat(p.getRlimitsCount()).isEqualTo(byType.size());
    }

    @Test
    void procLimitsAreParsedWithUnlimitedAsAllOnes() {
        Map<String, POSIXRlimit> limits = RuncDefaults.inheritedRlimits(List.of(
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max stack size            8388608              unlimited            bytes     ",
                "Max open files            1024                 1048576              files     ",
                "Max nice priority         0                    0                    "));
        assertThat(limits).containsOnlyKeys("RLIMIT_STACK", "RLIMIT_NICE");
        assertThat(limits.get("RLIMIT_STACK").getSoft()).isEqualTo(8388608);
        assertThat(limits.get("RLIMIT_STACK").getHard()).isEqualTo(-1);
        assertThat(limits.get("RLIMIT_NICE").getHard()).isZero();
    }
}
