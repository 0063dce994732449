package dev.katajava.virtcontainers.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.linux.MountInfo;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts: runs as root, as the runtime does. */
class Virtio9pShareTest {
    @TempDir
    Path tmp;

    private Virtio9pShare share;
    private SandboxShareLayout layout;

    @BeforeEach
    void prepare() throws IOException {
        layout = SandboxShareLayout.of(tmp.resolve("base"), "sb");
        share = new Virtio9pShare(layout);
        share.prepare();
    }

    @AfterEach
    void cleanup() throws IOException {
        if (share != null) {
            share.cleanup();
            assertThat(MountInfo.mountsUnder(tmp)).isEmpty();
        }
    }

    @Test
    void volumeIsVisibleInTheExportedDirectoryUnderItsGuestName() throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.writeString(data.resolve("f"), "hello");

        String guest = share.shareVolume("c1", data, "data", true, false);

        assertThat(guest).startsWith(SandboxShareLayout.GUEST_SHARED_DIR + "c1-").endsWith("-data");
        Path exported = layout.shared().resolve(guest.substring(SandboxShareLayout.GUEST_SHARED_DIR.length()));
        assertThat(Files.readString(exported.resolve("f"))).isEqualTo("hello");
    }

    @Test
    void readOnlyVolumeCannotBeWrittenThroughTheShare() throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));

        String guest = share.shareVolume("c1", data, "data", true, true);

        String entry = guest.substring(SandboxShareLayout.GUEST_SHARED_DIR.length());
        for (Path copy : new Path[] {layout.mounts().resolve(entry), layout.shared().resolve(entry)}) {
            assertThatThrownBy(() -> Files.writeString(copy.resolve("new"), "x"))
                    .isInstanceOfAny(FileSystemException.class, AccessDeniedException.class)
                    .hasMessageContaining("new");
        }
        assertThat(data.resolve("new")).doesNotExist();
    }

    @Test
    void fileVolumeIsBoundAsAFile() throws IOException {
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 localhost\n");

        String guest = share.shareVolume("c1", hosts, "hosts", false, false);

        Path exported = layout.shared().resolve(guest.substring(SandboxShareLayout.GUEST_SHARED_DIR.length()));
        assertThat(Files.readString(exported)).isEqualTo("127.0.0.1 localhost\n");
    }

    @Test
    void unsharingAContainerRemovesOnlyItsOwnVolumes() throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String mine = share.shareVolume("a", data, "data", false, false);
        String other = share.shareVolume("a-b", data, "data", false, false);

        share.unshareContainer("a");

        assertThat(layout.mounts().resolve(name(mine))).doesNotExist();
        assertThat(layout.shared().resolve(name(mine))).doesNotExist();
        assertThat(layout.mounts().resolve(name(other))).exists();
        assertThat(MountInfo.mountsUnder(layout.mounts().resolve(name(other)))).hasSize(1);
    }

    private static String name(String guest) {
        return guest.substring(SandboxShareLayout.GUEST_SHARED_DIR.length());
    }
}
