package dev.katajava.virtcontainers.fs;

import dev.katajava.linux.Errno;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.MountInfo;
import dev.katajava.linux.Mounts;
import dev.katajava.linux.Trees;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Tears down mounts and directories the runtime made; a tree is only deleted once nothing is mounted in
 * it ({@link Trees#removeUnlessMounted}).
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
        try {
            List<Path> left = Trees.removeUnlessMounted(dir);
            if (!left.isEmpty()) {
                LOG.warn("not removing a directory that still has mounts", "path", dir, "mounts", left);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove", "path", dir, "error", e.getMessage());
        }
    }
}
