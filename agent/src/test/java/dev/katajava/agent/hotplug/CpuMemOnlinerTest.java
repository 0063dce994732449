package dev.katajava.agent.hotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a sysfs-shaped directory tree: the same files the guest kernel exposes. */
class CpuMemOnlinerTest {
    @TempDir
    Path system;

    private void cpu(int n, String online) throws IOException {
        Path dir = Files.createDirectories(system.resolve("cpu/cpu" + n));
        if (online != null) {
            Files.writeString(dir.resolve("online"), online + "\n");
        }
    }

    private void memoryBlock(int n, String state) throws IOException {
        Files.writeString(Files.createDirectories(system.resolve("memory/memory" + n)).resolve("state"), state + "\n");
    }

    @Test
    void offlineCpusAndMemoryBlocksAreOnlinedAndOnlineOnesLeftAlone() throws Exception {
        cpu(0, null);
        cpu(1, "1");
        cpu(2, "0");
        cpu(3, "0");
        memoryBlock(0, "online");
        memoryBlock(8, "offline");
        CpuMemOnliner onliner = new CpuMemOnliner(system);

        assertThat(onliner.onlineCpus(2, Duration.ofSeconds(1))).isEqualTo(2);
        assertThat(onliner.onlineMemory()).isEqualTo(1);

        assertThat(system.resolve("cpu/cpu2/online")).hasContent("1");
        assertThat(system.resolve("cpu/cpu3/online")).hasContent("1");
        assertThat(system.resolve("cpu/cpu1/online")).hasContent("1");
        assertThat(system.resolve("memory/memory8/state")).hasContent("online");
    }

    @Test
    void cpusThatAppearLateAreWaitedFor() throws Exception {
        cpu(0, null);
        CpuMemOnliner onliner = new CpuMemOnliner(system);
        Thread late = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(150);
                cpu(1, "0");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(onliner.onlineCpus(1, Duration.ofSeconds(5))).isEqualTo(1);
        late.join();
    }

    @Test
    void cpusThatNeverAppearAreReportedWithTheCounts() throws Exception {
        cpu(0, null);
        cpu(1, "0");
        CpuMemOnliner onliner = new CpuMemOnliner(system);

        assertThatThrownBy(() -> onliner.onlineCpus(3, Duration.ofMillis(200)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("only 1 of 3");
    }
}
