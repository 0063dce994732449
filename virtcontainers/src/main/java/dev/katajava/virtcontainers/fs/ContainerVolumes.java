package dev.katajava.virtcontainers.fs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings a container's host bind mounts ({@code ctr run --mount}, CRI volumes, /etc/hosts and the like) into the
 * guest: each host source is bound into the sandbox share and the mount's source is rewritten to where the
 * guest sees it. Everything else in the spec is left alone.
 *
 * <p>Not shared: mounts that are not binds (the guest makes its own proc, tmpfs, ...), binds onto /proc or /sys
 * (the guest's own), and sources under /dev, which name devices: a device node cannot cross the share, so the
 * guest's node of the same name is bound instead, as Kata does.
 */
public final class ContainerVolumes {
    private ContainerVolumes() {
    }

    /** Fails naming the mount when a bind source to share is missing; cheap, so it runs before a VM boots. */
    public static void requireSources(JsonNode spec, Path bundle) throws OciSpecException {
        for (JsonNode m : spec.path("mounts")) {
            if (needsSharing(m)) {
                Path source = bundle.resolve(m.path("source").asText()).normalize();
                if (!Files.exists(source)) {
                    throw new OciSpecException("config.json: source " + source + " of the bind mount on "
                            + m.path("destination").asText() + " does not exist");
                }
            }
        }
    }

    /**
     * Returns a copy of {@code spec} whose bind mount sources are guest paths into the share. Run
     * {@link #requireSources} first (before the VM boots); a source gone since then fails the bind.
     */
    public static JsonNode share(JsonNode spec, Path bundle, SharedFilesystem share, String containerId)
            throws IOException {
        ObjectNode copy = spec.deepCopy();
        if (!(copy.get("mounts") instanceof ArrayNode mounts)) {
            return copy;
        }
        for (JsonNode node : mounts) {
            if (node instanceof ObjectNode m && needsSharing(m)) {
                String destination = m.path("destination").asText();
                Path source = bundle.resolve(m.path("source").asText()).normalize();
                String guest;
                try {
                    guest = share.shareVolume(containerId, source, entryName(destination),
                            hasOption(m, "rbind"), hasOption(m, "ro"));
                } catch (IOException e) {
                    throw new IOException("bind mount on " + destination + ": " + e.getMessage(), e);
                }
                m.put("source", guest);
            }
        }
        return copy;
    }

    /** True for a bind mount of a host path the guest can only see through the share. */
    public static boolean needsSharing(JsonNode m) {
        boolean bind = m.path("type").asText("").equals("bind") || hasOption(m, "bind") || hasOption(m, "rbind");
        String destination = m.path("destination").asText("");
        String source = m.path("source").asText("");
        return bind
                && !source.isEmpty()
                && !under(destination, "/proc") && !under(destination, "/sys")
                && !under(source, "/dev");
    }

    static String entryName(String destination) {
        Path name = Path.of(destination).normalize().getFileName();
        String s = name == null ? "" : name.toString();
        return s.isEmpty() || s.equals(".") || s.equals("..") ? "volume" : s;
    }

    private static boolean hasOption(JsonNode m, String option) {
        for (JsonNode o : m.path("options")) {
            if (o.asText().equals(option)) {
                return true;
            }
        }
        return false;
    }

    private static boolean under(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }
}
