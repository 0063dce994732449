package dev.katajava.qemu.accel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostFactsTest {
    @Test
    void cpuMhzBecomesKilohertz() {
        String cpuinfo = """
                processor\t: 0
                model name\t: AMD EPYC
                cpu MHz\t\t: 2445.406
                cache size\t: 512 KB
                processor\t: 1
                cpu MHz\t\t: 1200.000
                """;
        assertThat(HostFacts.cpuMhzKhz(cpuinfo)).isEqualTo(2_445_406);
    }

    @Test
    void noCpuMhzLineMeansUnknown() {
        assertThat(HostFacts.cpuMhzKhz("processor\t: 0\nBogoMIPS\t: 50.00\n")).isZero();
    }

    @Test
    void thisHostsTscFrequencyIsPlausibleOrUnknown() {
        long khz = HostFacts.tscKhz();
        assertThat(khz == 0 || (khz > 100_000 && khz < 10_000_000)).as("%d kHz", khz).isTrue();
    }
}
