package dev.katajava.shim.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.protocols.agent.Process;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(RuncDefaults.withOomScoreAdj(JSON.readTree("{\"args\":[\"sh\"]}"), converted).getOOMScoreAdj())
                .isEqualTo(Math.min(own + 1, 1000));
        Process set = converted.toBuilder().setOOMScoreAdj(-500).build();
        assertThat(RuncDefaults.withOomScoreAdj(JSON.readTree("{\"oomScoreAdj\":-500}"), set)).isSameAs(set);
    }

    @Test
    void theInheritedScoreIsContainerdsPlusOneUpToTheMaximum() {
        assertThat(RuncDefaults.inheritedOomScoreAdj(0)).isEqualTo(1);
        assertThat(RuncDefaults.inheritedOomScoreAdj(-999)).isEqualTo(-998);
        assertThat(RuncDefaults.inheritedOomScoreAdj(1000)).isEqualTo(1000);
    }
}
