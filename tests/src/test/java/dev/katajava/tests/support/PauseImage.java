package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The pod sandbox image containerd's CRI plugin starts for every pod ({@code sandbox_image}), built locally
 * from the project's static pause program (no registry), imported into the CRI plugin's namespace.
 */
public final class PauseImage {
    public static final String NAME = "registry.k8s.io/pause:kata-e2e";

    private PauseImage() {
    }

    public static String importInto(PrivateContainerd containerd, String namespace, Path repo) throws IOException {
        Path tar = Files.createTempFile("pause", ".tar");
        try {
            Commands.Result built = Commands.run(List.of(repo.resolve("scripts/pause-image.sh").toString(),
                    tar.toString(), NAME), Map.of(), Duration.ofMinutes(2));
            if (built.exitCode() != 0) {
                throw new IOException("building the pause image failed: " + built.describe());
            }
            Commands.Result imported = containerd.ctrIn(namespace, List.of("images", "import", tar.toString()),
                    Duration.ofMinutes(2));
            if (imported.exitCode() != 0) {
                throw new IOException("importing the pause image failed: " + imported.describe());
            }
            return NAME;
        } finally {
            Files.deleteIfExists(tar);
        }
    }
}
