package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts: runs as root, as the runtime does. */
class TreesTest {
    @TempDir
    Path dir;

    @Test
    void aTreeWithNothingMountedIsRemoved() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("state/a/b"));
        Files.writeString(tree.resolve("f"), "x");

        assertThat(Trees.removeUnlessMounted(dir.resolve("state"))).isEmpty();

        assertThat(dir.resolve("state")).doesNotExist();
        assertThat(Trees.removeUnlessMounted(dir.resolve("state"))).isEmpty();
    }

    @Test
    void aTreeWithAMountBelowIsLeftWhole() throws Exception {
        Path mountPoint = Files.createDirectories(dir.resolve("state/rootfs"));
        Path precious = Files.createDirectories(dir.resolve("precious"));
        Files.writeString(precious.resolve("data"), "keep");
        Mounts.mount(precious.toString(), mountPoint.toString(), null, Mounts.MS_BIND, null);
        try {
            assertThat(Trees.removeUnlessMounted(dir.resolve("state"))).containsExactly(mountPoint);
            assertThat(precious.resolve("data")).hasContent("keep");
            assertThat(mountPoint.resolve("data")).exists();
        } finally {
            Mounts.umount(mountPoint.toString(), 0);
        }
    }
}
