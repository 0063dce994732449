package dev.katajava.shim.service;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.protocols.runtimeoptions.Options;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.SandboxException;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.AnnotationOverrides;
import dev.katajava.virtcontainers.config.ConfigException;
import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.ConfigLocator;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.network.PodNetworkSpec;
import dev.katajava.virtcontainers.sizing.Workload;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/** Loads the configuration a Create names and boots the sandbox VM with the hypervisor it selects. */
final class SandboxFactory {
    private static final Log LOG = Log.of("shim");

    private final SandboxPaths paths;

    SandboxFactory(SandboxPaths paths) {
        this.paths = paths;
    }

    SandboxPaths paths() {
        return paths;
    }

    /**
     * {@code annotations} are the pod's (the sandbox container's spec): they may override the file.
     * {@code hostSockets} says which host sockets the first container brings (they need a vsock agent channel,
     * so such a sandbox is not cloned from a template), or null; it is asked only when templating is on.
     */
    Sandbox create(String sandboxId, String hostname, Workload workload, PodNetworkSpec network,
                   Map<String, String> annotations, Supplier<String> hostSockets, Any options)
            throws ConfigException, SandboxException {
        RuntimeConfig config = AnnotationOverrides.apply(
                ConfigLoader.load(ConfigLocator.locate(configPath(options), System.getenv())), annotations);
        for (String warning : config.warnings()) {
            LOG.warn("configuration: " + warning);
        }
        if (config.debug() && !Log.enabled(Level.DEBUG)) {
            LOG.info("debug logging enabled by configuration", "file", config.source());
        }
        LOG.info("creating sandbox", "sandbox", sandboxId, "config", config.source());
        String sockets = config.factory().enableTemplate() && !config.disableHostSocketForwarding()
                ? hostSockets.get() : null;
        String vsockNeeded = sockets == null ? null : "forwarding the host sockets " + sockets;
        return Sandbox.create(sandboxId, hostname, config, workload, network, vsockNeeded,
                provider(config.hypervisor().name()), paths);
    }

    /** ctr's --runtime-config-path arrives as runtimeoptions.v1.Options in the Create options. */
    static String configPath(Any options) throws ConfigException {
        if (options == null || options.getTypeUrl().isEmpty()) {
            return "";
        }
        if (!options.getTypeUrl().endsWith("runtimeoptions.v1.Options")) {
            return "";
        }
        try {
            return Options.parseFrom(options.getValue()).getConfigPath();
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException("cannot decode runtime options: " + e.getMessage(), e);
        }
    }

    private static HypervisorProvider provider(String name) throws ConfigException {
        for (HypervisorProvider p : ServiceLoader.load(HypervisorProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new ConfigException("no hypervisor implementation named \"" + name + "\" is installed");
    }
}
