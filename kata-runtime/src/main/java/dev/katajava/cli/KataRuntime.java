package dev.katajava.cli;

import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.ConfigException;
import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.ConfigLocator;
import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code kata-runtime check | env | version | metrics SANDBOX | factory init|status|destroy}, as Kata users know
 * them, and
 * {@code containerd-config [--handler NAME]} (containerd's CRI runtime handler for this runtime).
 * {@code --config FILE} picks the configuration file; otherwise it is found as the shim finds it.
 * {@code --log FILE} appends the runtime's structured log there (what {@code factory init} did, and the VM
 * cache's life while it serves); without it, only warnings and errors are logged, to stderr.
 */
public final class KataRuntime {
    public static final String VERSION = "0.1.0";
    private static final String USAGE = "usage: kata-runtime [--config FILE] [--log FILE] "
            + "check|env|version|metrics SANDBOX|" + FactoryCommand.USAGE + "|containerd-config [--handler NAME]";

    private KataRuntime() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, Path.of("/")));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Path root) {
        String command = "";
        String configPath = "";
        String sandboxId = "";
        String handler = "kata";
        String action = "";
        String logPath = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--log", "-log" -> {
                    if (i + 1 >= args.length) {
                        err.println("--log needs a file");
                        return 2;
                    }
                    logPath = args[++i];
                }
                case "--config", "-config" -> {
                    if (i + 1 >= args.length) {
                        err.println("--config needs a file");
                        return 2;
                    }
                    configPath = args[++i];
                }
                case "check", "env", "version", "containerd-config", "help", "--help", "-h" -> command = args[i];
                case "--handler" -> {
                    if (i + 1 >= args.length) {
                        err.println("--handler needs a name");
                        return 2;
                    }
                    handler = args[++i];
                }
                case "factory" -> {
                    if (i + 1 >= args.length) {
                        err.println("factory needs an action; " + USAGE);
                        return 2;
                    }
                    command = args[i];
                    action = args[++i];
                }
                case "metrics" -> {
                    if (i + 1 >= args.length) {
                        err.println("metrics needs a sandbox id; " + USAGE);
                        return 2;
                    }
                    command = args[i];
                    sandboxId = args[++i];
                }
                default -> {
                    err.println("unknown argument \"" + args[i] + "\"; " + USAGE);
                    return 2;
                }
            }
        }
        if (!configureLog(logPath, err)) {
            return 1;
        }
        try {
            return switch (command) {
                case "check" -> check(load(configPath), out, root);
                case "env" -> env(load(configPath), out);
                case "version" -> version(configPath, out);
                case "containerd-config" -> ContainerdConfigCommand.run(handler, load(configPath).source(), out, err);
                case "factory" -> FactoryCommand.run(action, load(configPath), out, err);
                case "metrics" -> MetricsCommand.run(sandboxId, id -> root.resolve(
                        SandboxPaths.DEFAULT.monitorSocket(id).toString().substring(1)), out, err);
                default -> {
                    out.println(USAGE);
                    yield command.isEmpty() ? 2 : 0;
                }
            };
        } catch (ConfigException e) {
            err.println("configuration: " + e.getMessage());
            return 1;
        }
    }

    /** Logs to {@code logPath} from INFO up, or, without one, warnings and errors to {@code err}. */
    private static boolean configureLog(String logPath, PrintStream err) {
        String[] fields = {"pid", Long.toString(ProcessHandle.current().pid())};
        if (logPath.isEmpty()) {
            Log.configure(err, Level.WARN, fields);
            return true;
        }
        try {
            // Not closed: the sink serves every logger of this process until it exits.
            @SuppressWarnings("resource")
            OutputStream file = new FileOutputStream(logPath, true);
            Log.configure(file, Level.INFO, fields);
            return true;
        } catch (IOException e) {
            err.println("--log " + logPath + ": cannot open it for appending: " + e.getMessage());
            return false;
        }
    }

    private static RuntimeConfig load(String configPath) throws ConfigException {
        return ConfigLoader.load(ConfigLocator.locate(configPath, System.getenv()));
    }

    private static int check(RuntimeConfig config, PrintStream out, Path root) {
        HypervisorConfig hv = config.hypervisor();
        List<HostCheck.Finding> findings = new HostCheck(root).run(hv.path(), hv.kernel(), hv.initrd(),
                hv.image());
        out.println("configuration: " + config.source());
        findings.forEach(f -> out.println(f.line()));
        config.warnings().forEach(w -> out.println("warning " + w));
        boolean usable = HostCheck.usable(findings);
        out.println(usable ? "System is capable of running kata-java containers."
                : "System cannot run kata-java containers: see the ERROR lines above.");
        return usable ? 0 : 1;
    }

    /** The effective configuration, in the configuration file's own format. */
    private static int env(RuntimeConfig config, PrintStream out) {
        HypervisorConfig hv = config.hypervisor();
        out.println("# effective configuration, read from " + config.source());
        out.println("[hypervisor." + hv.name() + "]");
        out.println("path = \"" + hv.path() + "\"");
        out.println("kernel = \"" + hv.kernel() + "\"");
        out.println("initrd = \"" + hv.initrd() + "\"");
        if (hv.image() != null) {
            out.println("image = \"" + hv.image() + "\"");
            out.println("rootfs_type = \"" + VmSpec.IMAGE_FILESYSTEM + "\"");
        }
        out.println("machine_type = \"" + hv.machineType() + "\"");
        out.println("kernel_params = \"" + String.join(" ", hv.kernelParams()) + "\"");
        out.println("default_vcpus = " + hv.defaultVcpus());
        out.println("default_maxvcpus = " + hv.defaultMaxVcpus());
        out.println("default_memory = " + hv.defaultMemoryMiB());
        out.println("default_maxmemory = " + hv.defaultMaxMemoryMiB());
        out.println("memory_slots = " + hv.memorySlots());
        out.println("shared_fs = \"" + hv.sharedFs() + "\"");
        if (hv.virtioFs() != null) {
            out.println("virtio_fs_daemon = \"" + hv.virtioFs().daemon() + "\"");
            out.println("virtio_fs_cache = \"" + hv.virtioFs().kataCache() + "\"");
        }
        out.println("accelerator = \"" + hv.accelerator().name().toLowerCase(java.util.Locale.ROOT) + "\"");
        out.println("enable_debug = " + hv.enableDebug());
        out.println("reclaim_guest_freed_memory = " + hv.reclaimGuestFreedMemory());
        out.println("enable_annotations = " + hv.enableAnnotations().stream()
                .map(p -> "\"" + p.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(java.util.stream.Collectors.joining(", ", "[", "]")));
        out.println();
        out.println("[agent.kata]");
        out.println("dial_timeout = " + config.agent().dialTimeout().toSeconds());
        out.println("enable_debug = " + config.agent().enableDebug());
        out.println("transport = \"" + config.agent().transport() + "\"");
        out.println();
        out.println("[runtime]");
        out.println("enable_debug = " + config.enableDebug());
        out.println("disable_guest_seccomp = " + config.disableGuestSeccomp());
        out.println("disable_host_socket_forwarding = " + config.disableHostSocketForwarding());
        out.println("use_passfd_io = " + config.usePassfdIo());
        out.println();
        out.println("[factory]");
        out.println("enable_template = " + config.factory().enableTemplate());
        out.println("template_path = \"" + config.factory().templatePath() + "\"");
        out.println("vm_cache_number = " + config.factory().vmCacheNumber());
        out.println("vm_cache_endpoint = \"" + config.factory().vmCacheEndpoint() + "\"");
        config.warnings().forEach(w -> out.println("# warning: " + w));
        return 0;
    }

    private static int version(String configPath, PrintStream out) {
        out.println("kata-runtime (kata-java) " + VERSION);
        out.println("   agent API: Kata's grpc.AgentService over ttrpc; shim API: containerd runtime v2 (ttrpc)");
        try {
            RuntimeConfig config = load(configPath);
            out.println("   hypervisor: " + HostCheck.qemuVersion(config.hypervisor().path()));
        } catch (ConfigException e) {
            out.println("   hypervisor: unknown (" + e.getMessage() + ")");
        }
        return 0;
    }
}
