package dev.katajava.virtcontainers.template;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.MountInfo;
import dev.katajava.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tmpfs that holds a template; a seam so the factory's logic can be tested without mounting. */
public interface TemplateMount {
    /** Whether {@code dir} is a mount point. */
    boolean isMounted(Path dir) throws IOException;

    /** Mounts a tmpfs of {@code bytes} at {@code dir} (nosuid, nodev, mode 0700). */
    void mountTmpfs(Path dir, long bytes) throws IOException;

    /**
     * Detaches the mount at {@code dir}: a clone still maps the memory file, so the tmpfs lives on, unreachable,
     * until the last clone exits.
     */
    void detach(Path dir) throws IOException;

    /** Bytes a new file in {@code dir} may still take. */
    long usableBytes(Path dir) throws IOException;

    /** The host's mounts. */
    TemplateMount LINUX = new TemplateMount() {
        @Override
        public boolean isMounted(Path dir) throws IOException {
            return MountInfo.mountPoints().contains(dir.toAbsolutePath().normalize());
        }

        @Override
        public void mountTmpfs(Path dir, long bytes) throws IOException {
            try {
                Mounts.mount("tmpfs", dir.toString(), "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV,
                        "size=" + bytes + ",mode=0700");
            } catch (ErrnoException e) {
                throw new IOException("cannot mount a tmpfs of " + (bytes >> 20) + " MiB at " + dir + ": "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void detach(Path dir) throws IOException {
            try {
                Mounts.umount(dir.toString(), Mounts.MNT_DETACH);
            } catch (ErrnoException e) {
                throw new IOException("cannot unmount " + dir + ": " + e.getMessage(), e);
            }
        }

        @Override
        public long usableBytes(Path dir) throws IOException {
            return Files.getFileStore(dir).getUsableSpace();
        }
    };
}
