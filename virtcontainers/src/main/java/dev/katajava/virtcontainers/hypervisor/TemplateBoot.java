package dev.katajava.virtcontainers.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A VM whose RAM lives in a template's memory file (VM templating).
 *
 * @param role       whether the VM is booted to become the template or cloned from it
 * @param memoryFile guest RAM: shared with the file for {@link Role#TEMPLATE}, a private copy-on-write mapping of
 *                   it for {@link Role#CLONE}
 * @param stateFile  the device state: written by {@link Hypervisor#saveAsTemplate}, read by a clone at start
 */
public record TemplateBoot(Role role, Path memoryFile, Path stateFile) {
    public enum Role {
        /** Booted once, then paused and its device state saved; its RAM stays in the memory file. */
        TEMPLATE,
        /** Resumed from the template's saved state, its RAM a private mapping of the template's. */
        CLONE
    }

    public TemplateBoot {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(memoryFile, "memoryFile");
        Objects.requireNonNull(stateFile, "stateFile");
    }
}
