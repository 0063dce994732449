package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Which VM a container belongs to, from the CRI annotations Kata reads.
 *
 * @param kind      standalone (own VM), pod sandbox (creates the VM) or pod container (joins it)
 * @param sandboxId the VM's sandbox id: the container's own id unless it joins a pod
 */
public record ContainerType(Kind kind, String sandboxId) {
    public enum Kind { SINGLE_CONTAINER, POD_SANDBOX, POD_CONTAINER }

    private record Keys(String typeKey, String sandboxValue, String containerValue, String sandboxIdKey) {
    }

    private static final List<Keys> KEYS = List.of(
            new Keys("io.kubernetes.cri.container-type", "sandbox", "container", "io.kubernetes.cri.sandbox-id"),
            new Keys("io.kubernetes.cri-o.ContainerType", "sandbox", "container", "io.kubernetes.cri-o.SandboxID"),
            new Keys("io.kubernetes.docker.type", "podsandbox", "container", "io.kubernetes.sandbox.id"));

    /** Classifies container {@code id} whose spec is {@code spec}. */
    public static ContainerType of(String id, JsonNode spec) throws OciSpecException {
        JsonNode annotations = spec.path("annotations");
        for (Keys keys : KEYS) {
            JsonNode type = annotations.get(keys.typeKey());
            if (type == null) {
                continue;
            }
            String value = type.asText();
            if (value.equals(keys.sandboxValue())) {
                return new ContainerType(Kind.POD_SANDBOX, id);
            }
            if (value.equals(keys.containerValue())) {
                String sandboxId = annotations.path(keys.sandboxIdKey()).asText("");
                if (sandboxId.isEmpty()) {
                    throw new OciSpecException("annotation " + keys.typeKey() + "=" + value + " needs "
                            + keys.sandboxIdKey() + " to name the sandbox");
                }
                Identifiers.requireValid("sandbox id (" + keys.sandboxIdKey() + ")", sandboxId);
                return new ContainerType(Kind.POD_CONTAINER, sandboxId);
            }
            throw new OciSpecException("annotation " + keys.typeKey() + " has unknown value \"" + value
                    + "\" (expected \"" + keys.sandboxValue() + "\" or \"" + keys.containerValue() + "\")");
        }
        return new ContainerType(Kind.SINGLE_CONTAINER, id);
    }

    /** True when this container starts the VM (it is not joining another one). */
    public boolean ownsVm() {
        return kind != Kind.POD_CONTAINER;
    }
}
