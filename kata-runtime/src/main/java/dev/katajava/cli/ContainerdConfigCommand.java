package dev.katajava.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * {@code kata-runtime containerd-config [--handler NAME]}: the snippet of containerd's configuration
 * (version 2, containerd 1.6 and later) that adds this runtime as a CRI runtime handler, for Kubernetes
 * RuntimeClasses whose {@code handler} is NAME, with the configuration file this command resolved.
 */
final class ContainerdConfigCommand {
    /** A RuntimeClass handler is a DNS label (Kubernetes validates it so). */
    private static final Pattern HANDLER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private ContainerdConfigCommand() {
    }

    static int run(String handler, Path configFile, PrintStream out, PrintStream err) {
        if (!HANDLER.matcher(handler).matches()) {
            err.println("--handler \"" + handler + "\" is not a valid RuntimeClass handler (a DNS label: lower-case"
                    + " letters, digits and '-', at most 63)");
            return 2;
        }
        String table = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes." + handler;
        out.println("# Add to containerd's config.toml (version = 2), then restart containerd. Pods whose");
        out.println("# RuntimeClass has handler \"" + handler + "\" then run in a VM through containerd-shim-kata-v2,");
        out.println("# which containerd finds on its PATH.");
        out.println("[" + table + "]");
        out.println("  runtime_type = \"io.containerd.kata.v2\"");
        out.println("  # A VM cannot use the host's devices: privileged pods get the VM's own /dev.");
        out.println("  privileged_without_host_devices = true");
        out.println("  # Kata's per-pod settings (io.katacontainers.config.*) reach the runtime.");
        out.println("  pod_annotations = [\"io.katacontainers.*\"]");
        out.println("  [" + table + ".options]");
        out.println("    ConfigPath = \"" + configFile.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        return 0;
    }
}
