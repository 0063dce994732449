package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/**
 * The sysctls a container may set, as runc allows them: only those of a kernel namespace the container has
 * its own of. IPC ones need an ipc namespace, {@code net.*} a network namespace (in the VM the pod's
 * network namespace is the guest's, which the pod owns), {@code kernel.domainname} a uts namespace;
 * {@code kernel.hostname} is refused for the spec's hostname field, and anything else would change the
 * whole guest kernel, which every container of the pod shares.
 */
public final class SysctlCheck {
    private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private SysctlCheck() {
    }

    public static void check(JsonNode spec) throws OciSpecException {
        JsonNode linux = spec.path("linux");
        JsonNode sysctls = linux.path("sysctl");
        if (sysctls.isMissingNode() || sysctls.isNull() || sysctls.isEmpty()) {
            return;
        }
        if (!sysctls.isObject()) {
            throw new OciSpecException("linux.sysctl must be an object of strings");
        }
        Set<String> namespaces = new HashSet<>();
        linux.path("namespaces").forEach(ns -> namespaces.add(ns.path("type").asText()));
        for (var e : sysctls.properties()) {
            String name = e.getKey();
            if (!e.getValue().isTextual()) {
                throw new OciSpecException("linux.sysctl " + name + " must be a string, got " + e.getValue());
            }
            String needs = namespaceOf(name);
            if (needs == null) {
                throw new OciSpecException("linux.sysctl " + name + " is not in a separate kernel namespace"
                        + (name.equals("kernel.hostname") ? " the container may set: use the spec's hostname" : ""));
            }
            if (!namespaces.contains(needs)) {
                throw new OciSpecException("linux.sysctl " + name + " needs the container's own " + needs
                        + " namespace, and the spec gives it none");
            }
        }
    }

    /** The namespace a sysctl belongs to, or null when it is not namespaced for a container. */
    static String namespaceOf(String name) {
        if (IPC.contains(name) || name.startsWith("fs.mqueue.")) {
            return "ipc";
        }
        if (name.startsWith("net.")) {
            return "network";
        }
        if (name.equals("kernel.domainname")) {
            return "uts";
        }
        return null;
    }
}
