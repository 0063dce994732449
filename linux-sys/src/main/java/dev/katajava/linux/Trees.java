package dev.katajava.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removing a directory tree the runtime made. Deleting never crosses into a mount: the tree is only removed
 * once the mount table shows nothing mounted at or below it, so a filesystem that failed to unmount (a
 * container's root, a shared volume) is never emptied by accident.
 */
public final class Trees {
    private Trees() {
    }

    /**
     * Deletes {@code dir} and everything below it, unless something is mounted there; returns the mounts
     * that kept it (empty when it was removed or did not exist).
     *
     * @throws IOException when the mount table cannot be read or an entry cannot be deleted (the first
     *                     such failure; the rest of the tree is still attempted)
     */
    public static List<Path> removeUnlessMounted(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        List<Path> mounted = MountInfo.mountsUnder(dir);
        if (!mounted.isEmpty()) {
            return mounted;
        }
        List<IOException> failures = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    failures.add(e);
                }
            });
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
        return List.of();
    }
}
