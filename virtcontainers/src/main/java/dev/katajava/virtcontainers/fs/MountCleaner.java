package dev.katajava.virtcontainers.fs;

import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.MountInfo;
import dev.katajava.linux.Mounts;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Tears down mounts and directories the runtime made. Deleting never crosses into a mount: a tree is
 * only removed once the mount table shows nothing mounted under it, so a container's root filesystem
 * that failed to unmount is never emptied by accident.
 */
public final class MountCleaner {
    private static final Log LOG = Log.of("virtcontainers");

    private MountCleaner() {
    }

    /** Unmounts every mount at or below {@code dir}, deepest first; lazily when a mount is busy. */
    public static void unmountAllUnder(Path dir) {
        List<Path> mounts;
        try {
            mounts = MountInfo.mountsUnder(dir);
        } catch (IOException e) {
            LOG.warn("cannot read the mount table", "error", e.getMessage());
            return;
        }
        for (Path mount : mounts) {
            try {
                Mounts.umount(mount.toString(), Mounts.UMOUNT_NOFOLLOW);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT) {
                    continue; // Already gone: unmounting its peer propagated here.
                }
                try {
                    Mounts.umount(mount.toString(), Mounts.MNT_DETACH | Mounts.UMOUNT_NOFOLLOW);
                } catch (ErrnoException detach) {
                    LOG.warn("cannot unmount", "path", mount, "error", detach.getMessage());
                }
            }
        }
    }

    /** Deletes {@code dir} recursively, unless something is still mounted under it. */
    public static void removeTreeIfUnmounted(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            List<Path> left = MountInfo.mountsUnder(dir);
            if (!left.isEmpty()) {
                LOG.warn("not removing a directory that still has mounts", "path", dir, "mounts", left);
                return;
            }
        } catch (IOException e) {
            LOG.warn("cannot read the mount table; not removing", "path", dir, "error", e.getMessage());
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("cannot remove", "path", p, "error", e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot remove", "path", dir, "error", e.getMessage());
        }
    }
}
