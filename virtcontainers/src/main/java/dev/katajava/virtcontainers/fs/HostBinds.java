package dev.katajava.virtcontainers.fs;

import dev.katajava.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Host files and directories bind-mounted into the sandbox share for one container's volumes, at
 * {@code mounts/<cid>-<random>-<name>}. The random part keeps two volumes with the same name apart and keeps
 * a container from guessing another's path. Entries are tracked per container so that container ids that
 * are prefixes of each other never remove each other's volumes.
 */
final class HostBinds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxShareLayout layout;
    private final Map<String, List<Path>> byContainer = new ConcurrentHashMap<>();

    HostBinds(SandboxShareLayout layout) {
        this.layout = layout;
    }

    /** Binds {@code source} into the share; returns the name of the entry under the share's root. */
    String bind(String containerId, Path source, String name, boolean recursive, boolean readonly) throws IOException {
        if (!Files.exists(source)) {
            throw new IOException("mount source " + source + " does not exist");
        }
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String entry = containerId + "-" + HexFormat.of().formatHex(random) + "-" + name;
        Path target = layout.mounts().resolve(entry);
        if (Files.isDirectory(source)) {
            Files.createDirectory(target);
        } else {
            Files.createFile(target);
        }
        byContainer.computeIfAbsent(containerId, k -> new CopyOnWriteArrayList<>()).add(target);
        long flags = Mounts.MS_BIND | (recursive ? Mounts.MS_REC : 0);
        Mounts.mount(source.toString(), target.toString(), null, flags, null);
        if (readonly) {
            // Mount flags do not propagate: the copy the VMM exports under shared/ is made read-only too, so
            // even a guest that ignored the container's options could not write through it.
            remountReadOnly(target);
            Path exported = layout.shared().resolve(entry);
            if (Files.exists(exported, LinkOption.NOFOLLOW_LINKS)) {
                remountReadOnly(exported);
            }
        }
        return entry;
    }

    /** Unmounts and removes every entry made for {@code containerId}. */
    void release(String containerId) throws IOException {
        List<Path> entries = byContainer.remove(containerId);
        if (entries == null) {
            return;
        }
        IOException first = null;
        for (Path entry : entries) {
            MountCleaner.unmountAllUnder(entry);
            try {
                Files.deleteIfExists(entry);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void remountReadOnly(Path target) throws IOException {
        Mounts.mount(null, target.toString(), null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY, null);
    }
}
