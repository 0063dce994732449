package dev.katajava.agent.container;

import dev.katajava.protocols.agent.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a container spec before anything is created, so failures name the field, not a later syscall. */
public final class SpecValidator {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");
    /** The VM is the sandbox's network and cgroup boundary: these namespaces are the runtime's business. */
    private static final Set<String> VM_NAMESPACES = Set.of("network", "cgroup");

    private SpecValidator() {
    }

    public static String requireId(String what, String id) throws ContainerException {
        if (id == null || !ID.matcher(id).matches()) {
            throw ContainerException.invalid("invalid " + what + " \"" + (id == null ? "" : id.replace("\n", "\\n"))
                    + "\": use 1-128 letters, digits, '_', '.', '+' or '-', starting with a letter or digit");
        }
        return id;
    }

    static void validate(String id, Spec spec) throws ContainerException {
        requireId("container id", id);
        if (!spec.hasProcess() || spec.getProcess().getArgsCount() == 0) {
            throw ContainerException.invalid("spec: process.args must name the program to run");
        }
        String root = spec.getRoot().getPath();
        requireNoNul("root.path", root);
        if (!root.startsWith("/")) {
            throw ContainerException.invalid("spec: root.path must be absolute, got \"" + root + "\"");
        }
        if (!Files.isDirectory(Path.of(root))) {
            throw ContainerException.invalid("spec: root.path " + root + " is not a directory");
        }
        String cwd = spec.getProcess().getCwd();
        if (!cwd.isEmpty() && !cwd.startsWith("/")) {
            throw ContainerException.invalid("spec: process.cwd must be absolute, got \"" + cwd + "\"");
        }
        boolean ownUts = false;
        for (var ns : spec.getLinux().getNamespacesList()) {
            ownUts |= ns.getType().equals("uts");
            if (!ns.getPath().isEmpty() && !VM_NAMESPACES.contains(ns.getType())) {
                throw ContainerException.invalid("spec: joining an existing " + ns.getType() + " namespace ("
                        + ns.getPath() + ") is not supported in the guest");
            }
        }
        if (!spec.getHostname().isEmpty() && !ownUts) {
            throw ContainerException.invalid("spec: hostname \"" + spec.getHostname()
                    + "\" needs a uts namespace of the container's own");
        }
        for (var m : spec.getMountsList()) {
            requireNoNul("mount destination", m.getDestination());
            if (!m.getDestination().startsWith("/")) {
                throw ContainerException.invalid("spec: mount destination must be absolute, got \"" + m.getDestination() + "\"");
            }
            MountEscapeCheck.require(Path.of(root), m.getDestination());
        }
    }

    /** Paths become {@link Path}s (and C strings in the launcher), where a NUL cannot be represented. */
    private static void requireNoNul(String what, String path) throws ContainerException {
        if (path.indexOf('\0') >= 0) {
            throw ContainerException.invalid("spec: " + what + " \"" + path.replace("\0", "\\0")
                    + "\" contains a NUL byte");
        }
    }
}
