package dev.katajava.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LateModulesTest {
    @TempDir
    Path dir;

    @Test
    void withoutAMarkerThereIsNothingToWaitFor() throws Exception {
        assertThat(LateModules.await(null, Duration.ofMinutes(1))).isTrue();
        assertThat(LateModules.await("", Duration.ofMinutes(1))).isTrue();
    }

    @Test
    void waitsUntilKataInitCreatesTheMarker() throws Exception {
        Path marker = dir.resolve("modules-ready");
        Thread creator = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
                Files.createFile(marker);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(LateModules.await(marker.toString(), Duration.ofMinutes(1))).isTrue();
        assertThat(marker).exists();
        creator.join();
    }

    @Test
    void goesOnAfterTheLimitWhenTheMarkerNeverAppears() throws Exception {
        assertThat(LateModules.await(dir.resolve("never").toString(), Duration.ofMillis(30))).isFalse();
    }
}
