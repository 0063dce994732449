package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {
    @Test
    void readsTheMountPointFieldAndUndoesOctalEscapes() {
        List<Path> points = MountInfo.parse(List.of(
                "22 1 0:21 / /run rw,nosuid shared:5 - tmpfs tmpfs rw",
                "90 22 0:44 / /run/a\\040b rw - tmpfs tmpfs rw"));
        assertThat(points).containsExactly(Path.of("/run"), Path.of("/run/a b"));
    }

    @Test
    void rootIsAlwaysAMountPoint() throws Exception {
        assertThat(MountInfo.mountPoints()).contains(Path.of("/"));
        assertThat(MountInfo.mountsUnder(Path.of("/proc"))).first().isNotNull();
    }
}
