package dev.katajava.agent.container;

import dev.katajava.protocols.agent.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Checks a container spec before anything is created, so failures name the field, not a later syscall. */
public final class SpecValidator {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");

    private SpecValidator() {
    }

    public static String requireId(String what, String id) throws ContainerException {
        if (id == null || !ID.matcher(id).matches() || id.contains("..")) {
            throw new ContainerException("invalid " + what + " \"" + (id == null ? "" : id.replace("\n", "\\n"))
                    + "\": use 1-128 letters, digits, '_', '.', '+' or '-', starting with a letter or digit");
        }
        return id;
    }

    static void validate(String id, Spec spec) throws ContainerException {
        requireId("container id", id);
        if (!spec.hasProcess() || spec.getProcess().getArgsCount() == 0) {
            throw new ContainerException("spec: process.args must name the program to run");
        }
        String root = spec.getRoot().getPath();
        if (!root.startsWith("/")) {
            throw new ContainerException("spec: root.path must be absolute, got \"" + root + "\"");
        }
        if (!Files.isDirectory(Path.of(root))) {
            throw new ContainerException("spec: root.path " + root + " is not a directory");
        }
        String cwd = spec.getProcess().getCwd();
        if (!cwd.isEmpty() && !cwd.startsWith("/")) {
            throw new ContainerException("spec: process.cwd must be absolute, got \"" + cwd + "\"");
        }
        for (var m : spec.getMountsList()) {
            if (!m.getDestination().startsWith("/")) {
                throw new ContainerException("spec: mount destination must be absolute, got \"" + m.getDestination() + "\"");
            }
        }
    }
}
