package dev.katajava.virtcontainers;

import dev.katajava.virtcontainers.fs.SandboxShareLayout;
import java.nio.file.Path;

/**
 * Host directories of sandboxes: the VMM's private run directory ({@code <vmBase>/<sid>}: sockets, pid file,
 * console log) and the share layout. Both bases are fixed in production and moved in tests.
 */
public record SandboxPaths(Path vmBase, Path shareBase) {
    public static final SandboxPaths DEFAULT = new SandboxPaths(Path.of("/run/vc/vm"), SandboxShareLayout.DEFAULT_BASE);

    public Path runDir(String sandboxId) {
        return vmBase.resolve(sandboxId);
    }

    public SandboxShareLayout share(String sandboxId) {
        return SandboxShareLayout.of(shareBase, sandboxId);
    }
}
