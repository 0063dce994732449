package dev.katajava.virtcontainers;

import dev.katajava.virtcontainers.fs.SandboxShareLayout;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.nio.file.Path;

/**
 * Host directories of sandboxes: the VMM's private run directory ({@code <vmBase>/<sid>}: sockets, pid file,
 * console log), the share layout, and the shim's own directory ({@code <shimBase>/<sid>}, Kata's
 * {@code /run/vc/sbs/<sid>}, holding the monitor socket). The bases are fixed in production and moved in tests.
 */
public record SandboxPaths(Path vmBase, Path shareBase, Path shimBase) {
    public static final String MONITOR_SOCKET = "shim-monitor.sock";
    public static final SandboxPaths DEFAULT = new SandboxPaths(Path.of("/run/vc/vm"), SandboxShareLayout.DEFAULT_BASE,
            Path.of("/run/vc/sbs"));

    public Path runDir(String sandboxId) {
        return vmBase.resolve(sandboxId);
    }

    public SandboxShareLayout share(String sandboxId) {
        return SandboxShareLayout.of(shareBase, sandboxId);
    }

    /** The shim's directory of a sandbox; the id is checked first because callers may take it from a user. */
    public Path shimDir(String sandboxId) throws OciSpecException {
        return shimBase.resolve(Identifiers.requireValid("sandbox id", sandboxId));
    }

    /** Where the shim serving {@code sandboxId} answers {@code GET /metrics} (Kata's shim management socket). */
    public Path monitorSocket(String sandboxId) throws OciSpecException {
        return shimDir(sandboxId).resolve(MONITOR_SOCKET);
    }
}
