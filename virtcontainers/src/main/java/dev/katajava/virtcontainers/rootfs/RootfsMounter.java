package dev.katajava.virtcontainers.rootfs;

import dev.katajava.linux.MountOptions;
import dev.katajava.linux.Mounts;
import dev.katajava.protocols.containerd.types.Mount;
import dev.katajava.virtcontainers.fs.MountCleaner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Mounts the root filesystem containerd describes (usually one overlay) onto the bundle's rootfs directory. */
public final class RootfsMounter {
    private RootfsMounter() {
    }

    /** Mounts {@code mounts} in order onto {@code target}; with no mounts the directory is used as it is. */
    public static void mount(List<Mount> mounts, Path target) throws IOException {
        if (mounts.isEmpty()) {
            return;
        }
        Files.createDirectories(target);
        for (Mount m : mounts) {
            MountOptions options = MountOptions.parse(m.getOptionsList());
            if (options.data().length() > MountOptions.MAX_DATA) {
                throw new IOException("rootfs mount options for " + m.getType() + " are " + options.data().length()
                        + " bytes; mount(2) takes at most " + MountOptions.MAX_DATA);
            }
            String type = m.getType().isEmpty() || options.isBind() ? null : m.getType();
            long flags = options.flags();
            Mounts.mount(m.getSource(), target.toString(), type, flags & ~Mounts.MS_RDONLY,
                    options.data().isEmpty() ? null : options.data());
            if (options.isBind() && (flags & Mounts.MS_RDONLY) != 0) {
                // A bind mount ignores MS_RDONLY on creation; read-only takes a remount.
                Mounts.mount(null, target.toString(), null, flags | Mounts.MS_REMOUNT, null);
            } else if ((flags & Mounts.MS_RDONLY) != 0) {
                Mounts.mount(null, target.toString(), type, flags | Mounts.MS_REMOUNT, null);
            }
        }
    }

    /** Unmounts everything on {@code target}. */
    public static void unmount(Path target) {
        MountCleaner.unmountAllUnder(target);
    }
}
