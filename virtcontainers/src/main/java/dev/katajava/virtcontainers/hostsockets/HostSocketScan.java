package dev.katajava.virtcontainers.hostsockets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.fs.ContainerVolumes;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Finds the host Unix sockets a container's bind mounts bring in: a bind whose source is a socket, and the
 * sockets inside a bound directory (at most {@link #MAX_DEPTH} levels down), as they are at create time.
 * Sockets that are not byte streams are left out with a warning: their connect in the container fails with
 * "connection refused", as for any socket file nothing listens on.
 */
public final class HostSocketScan {
    private static final Log LOG = Log.of("shim");
    static final int MAX_DEPTH = 8;
    /** Per container; the agent accepts no more. */
    public static final int MAX_SOCKETS = 256;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /**
     * A socket to forward.
     *
     * @param mount         index of the bind mount in the spec (its mount list)
     * @param wholeMount    true when the mount's source is the socket itself
     * @param containerPath where the container sees it
     */
    public record Found(int mount, boolean wholeMount, Path hostPath, String containerPath, int uid, int gid,
            int mode) {
    }

    private HostSocketScan() {
    }

    /** The sockets {@code spec}'s bind mounts bring in; {@code netUnix} is the host's /proc/net/unix. */
    public static List<Found> scan(JsonNode spec, Path bundle, Path netUnix) {
        Map<String, Integer> types = UnixSocketTable.read(netUnix);
        List<Found> found = new ArrayList<>();
        int index = 0;
        for (JsonNode m : spec.path("mounts")) {
            int i = index++;
            if (!ContainerVolumes.needsSharing(m)) {
                continue;
            }
            Path source = bundle.resolve(m.path("source").asText()).normalize();
            String destination = m.path("destination").asText();
            try {
                if (isSocket(source)) {
                    add(found, types, new Found(i, true, source, destination, 0, 0, 0));
                } else if (Files.isDirectory(source)) {
                    walk(found, types, i, source, destination);
                }
            } catch (IOException e) {
                LOG.warn("cannot look for host sockets in a bind mount", "source", source, "error", e.getMessage());
            }
        }
        return found;
    }

    private static void walk(List<Found> found, Map<String, Integer> types, int mount, Path dir, String destination)
            throws IOException {
        Files.walkFileTree(dir, EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isOther() && isSocket(file)) {
                    String rel = dir.relativize(file).toString();
                    add(found, types, new Found(mount, false, file,
                            destination.endsWith("/") ? destination + rel : destination + "/" + rel, 0, 0, 0));
                }
                return found.size() >= MAX_SOCKETS ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void add(List<Found> found, Map<String, Integer> types, Found f) throws IOException {
        if (found.size() >= MAX_SOCKETS) {
            LOG.warn("too many host sockets in bind mounts; the rest are not forwarded", "limit", MAX_SOCKETS,
                    "first_left_out", f.hostPath());
            return;
        }
        Path real = f.hostPath().toRealPath();
        Integer type = types.get(real.toString());
        if (type != null && type != UnixSocketTable.SOCK_STREAM) {
            LOG.warn("host socket is not a byte stream (" + UnixSocketTable.typeName(type) + "); not forwarded:"
                    + " connecting to it in the container is refused", "socket", f.hostPath(),
                    "container_path", f.containerPath());
            return;
        }
        Map<String, Object> attrs = Files.readAttributes(real, "unix:uid,gid,mode");
        found.add(new Found(f.mount(), f.wholeMount(), real, f.containerPath(), (Integer) attrs.get("uid"),
                (Integer) attrs.get("gid"), (Integer) attrs.get("mode") & 07777));
    }

    private static boolean isSocket(Path p) throws IOException {
        if (!Files.exists(p)) {
            return false;
        }
        return ((Integer) Files.getAttribute(p, "unix:mode") & S_IFMT) == S_IFSOCK;
    }
}
