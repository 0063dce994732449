package dev.katajava.virtcontainers.template;

import java.nio.file.Path;

/**
 * The files of a template in its directory ({@code template_path}, a tmpfs): the guest RAM, the device
 * state, the accelerator it ran under, and the fingerprint, written last, whose presence marks a finished
 * template.
 */
public record TemplateFiles(Path dir) {
    public Path memory() {
        return dir.resolve("memory");
    }

    public Path state() {
        return dir.resolve("state");
    }

    public Path fingerprint() {
        return dir.resolve("fingerprint");
    }

    public Path accelerator() {
        return dir.resolve("accelerator");
    }

    /** The template VM's own run directory while it is being made (sockets, logs); removed afterwards. */
    public Path bootDir() {
        return dir.resolve("boot");
    }
}
