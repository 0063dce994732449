package dev.katajava.agent.storage;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.MountOptions;
import dev.katajava.linux.Mounts;
import dev.katajava.protocols.agent.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Mounts the storages the runtime sends (the shared filesystem) and unmounts them at the end. */
public final class StorageMounter {
    private static final Set<String> DRIVERS = Set.of("9p", "virtio-fs", "ephemeral", "local");

    private final List<Path> mounted = new ArrayList<>();

    public synchronized void mount(Storage s) throws IOException {
        if (!DRIVERS.contains(s.getDriver())) {
            throw new IOException("storage driver \"" + s.getDriver() + "\" is not supported (supported: " + DRIVERS + ")");
        }
        if (!s.getMountPoint().startsWith("/")) {
            throw new IOException("storage mount point must be absolute: \"" + s.getMountPoint() + "\"");
        }
        Path target = Path.of(s.getMountPoint());
        Files.createDirectories(target);
        MountOptions options = MountOptions.parse(s.getOptionsList());
        try {
            Mounts.mount(s.getSource(), target.toString(), s.getFstype(), options.flags(),
                    options.data().isEmpty() ? null : options.data());
        } catch (ErrnoException e) {
            throw new IOException("mount " + s.getDriver() + " storage " + s.getSource() + " on " + target + ": "
                    + e.getMessage(), e);
        }
        mounted.add(target);
    }

    /** Unmounts everything mounted here, newest first. */
    public synchronized void unmountAll() {
        for (int i = mounted.size() - 1; i >= 0; i--) {
            try {
                Mounts.umount(mounted.get(i).toString(), Mounts.MNT_DETACH);
            } catch (ErrnoException ignored) {
                // The VM is going away; nothing else can use it.
            }
        }
        mounted.clear();
    }
}
