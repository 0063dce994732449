package dev.katajava.shim.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ShimTrainingTest {
    private static final Path CONFIG = Path.of("..", "configuration.toml");

    @Test
    void theTrainingRunWalksEveryStepWithTheShippedConfigurationAndCleansUp() throws Exception {
        long before = trainingDirs();

        assertThatCode(() -> ShimTraining.main(new String[] {CONFIG.toString()})).doesNotThrowAnyException();

        assertThat(trainingDirs()).as("temporary directories left behind").isLessThanOrEqualTo(before);
    }

    private static long trainingDirs() throws Exception {
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return tmp.filter(p -> p.getFileName().toString().startsWith("kata-shim-training")
                    || p.getFileName().toString().startsWith("kata-qmp-training")).count();
        }
    }
}
