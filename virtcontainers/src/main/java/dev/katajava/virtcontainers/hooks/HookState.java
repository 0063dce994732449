package dev.katajava.virtcontainers.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The container's state as a hook reads it on stdin (the runtime spec's state: ociVersion, id, status,
 * pid, bundle, annotations). The pid is the VMM's, the process containerd knows as the task's: the
 * container's own processes live in the guest, where no host pid names them.
 */
public record HookState(String ociVersion, String id, String status, long pid, Path bundle,
                        Map<String, String> annotations) {
    public static final String CREATING = "creating";
    public static final String CREATED = "created";
    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    private static final ObjectMapper JSON = new ObjectMapper();

    public HookState {
        annotations = Map.copyOf(annotations);
    }

    /** The same state with another status. */
    public HookState with(String newStatus) {
        return new HookState(ociVersion, id, newStatus, pid, bundle, annotations);
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("ociVersion", ociVersion);
        o.put("id", id);
        o.put("status", status);
        if (pid > 0) {
            o.put("pid", pid);
        }
        o.put("bundle", bundle.toString());
        ObjectNode a = o.putObject("annotations");
        annotations.forEach(a::put);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }
}
