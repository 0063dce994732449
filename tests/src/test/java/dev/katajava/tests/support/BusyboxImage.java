package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A busybox image built locally (no registry) by the project's own script, and imported into containerd. */
public final class BusyboxImage {
    public static final String NAME = "docker.io/library/busybox:kata-e2e";

    private BusyboxImage() {
    }

    public static String importInto(PrivateContainerd containerd, Path repo) throws IOException {
        return importInto(containerd, PrivateContainerd.NAMESPACE, repo);
    }

    /** Imports the image into {@code namespace} (the CRI plugin's is {@link PrivateContainerd#CRI_NAMESPACE}). */
    public static String importInto(PrivateContainerd containerd, String namespace, Path repo) throws IOException {
        Path tar = Files.createTempFile("busybox", ".tar");
        try {
            Commands.Result built = Commands.run(List.of(repo.resolve("scripts/busybox-image.sh").toString(),
                    tar.toString(), NAME), Map.of(), Duration.ofMinutes(2));
            if (built.exitCode() != 0) {
                throw new IOException("building the busybox image failed: " + built.describe());
            }
            Commands.Result imported = containerd.ctrIn(namespace, List.of("images", "import", tar.toString()),
                    Duration.ofMinutes(2));
            if (imported.exitCode() != 0) {
                throw new IOException("importing the busybox image failed: " + imported.describe());
            }
            return NAME;
        } finally {
            Files.deleteIfExists(tar);
        }
    }
}
