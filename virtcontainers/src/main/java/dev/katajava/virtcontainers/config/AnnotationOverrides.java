package dev.katajava.virtcontainers.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A pod's {@code io.katacontainers.config.*} annotations laid over the configuration file, as Kata does.
 *
 * <p>Hypervisor annotations choose what runs on the host, so each one must be named by the file's
 * {@code enable_annotations} (regular expressions matched against the whole name after the prefix); one that
 * is not fails the sandbox rather than being dropped, so a pod never runs with a size it did not ask for.
 * Runtime annotations are not gated, as in Kata, except where one would give the pod more than the file does:
 * {@code disable_host_socket_forwarding} may always turn forwarding off, but turning it back on over a file
 * that turned it off needs {@code enable_annotations} to name it. Annotations Kata knows but this runtime has
 * no use for are ignored with a warning.
 */
public final class AnnotationOverrides {
    public static final String HYPERVISOR = "io.katacontainers.config.hypervisor.";
    public static final String RUNTIME = "io.katacontainers.config.runtime.";
    public static final String AGENT = "io.katacontainers.config.agent.";
    public static final String HOST_SOCKETS = "disable_host_socket_forwarding";

    private static final Set<String> MACHINE_TYPES = Set.of("q35", "microvm");

    private AnnotationOverrides() {
    }

    /** The configuration with the annotations applied. */
    public static RuntimeConfig apply(RuntimeConfig config, Map<String, String> annotations) throws ConfigException {
        HypervisorConfig hv = config.hypervisor();
        boolean noSeccomp = config.disableGuestSeccomp();
        boolean noHostSockets = config.disableHostSocketForwarding();
        List<String> warnings = new ArrayList<>(config.warnings());
        Map<String, String> hvValues = new TreeMap<>();
        // Sorted, so the first problem reported is the same on every run.
        for (var e : new TreeMap<>(annotations).entrySet()) {
            String key = e.getKey();
            if (key.startsWith(HYPERVISOR)) {
                String name = key.substring(HYPERVISOR.length());
                if (!enabled(hv.enableAnnotations(), name)) {
                    throw new ConfigException("annotation " + key + " is not enabled: add it to enable_annotations"
                            + " in [hypervisor.qemu] of " + config.source());
                }
                hvValues.put(name, e.getValue());
            } else if (key.equals(RUNTIME + "disable_guest_seccomp")) {
                noSeccomp = bool(key, e.getValue());
            } else if (key.equals(RUNTIME + HOST_SOCKETS)) {
                noHostSockets = bool(key, e.getValue());
                if (!noHostSockets && config.disableHostSocketForwarding()
                        && !enabled(hv.enableAnnotations(), HOST_SOCKETS)) {
                    throw new ConfigException("annotation " + key + ": host socket forwarding is turned off by "
                            + config.source() + "; turning it on needs \"" + HOST_SOCKETS + "\" in"
                            + " enable_annotations of [hypervisor.qemu]");
                }
            } else if (key.startsWith(RUNTIME) || key.startsWith(AGENT)) {
                warnings.add("annotation " + key + " is not supported by this runtime; ignored");
            }
        }
        int vcpus = hv.defaultVcpus();
        int maxVcpus = hv.defaultMaxVcpus();
        int memory = hv.defaultMemoryMiB();
        int slots = hv.memorySlots();
        String machine = hv.machineType();
        String sharedFs = hv.sharedFs();
        List<String> params = new ArrayList<>(hv.kernelParams());
        for (var e : hvValues.entrySet()) {
            String key = HYPERVISOR + e.getKey();
            String value = e.getValue().strip();
            switch (e.getKey()) {
                case "default_vcpus" -> vcpus = vcpus(key, value);
                case "default_max_vcpus" -> maxVcpus = integer(key, value, 0, 240);
                case "default_memory" -> memory = integer(key, value, 64, 1 << 22);
                case "memory_slots" -> slots = integer(key, value, 0, 255);
                case "kernel_params" -> params.addAll(ConfigLoader.splitParams(value));
                case "machine_type" -> machine = oneOf(key, value, MACHINE_TYPES);
                case "shared_fs" -> sharedFs = sharedFs(key, value, hv, config);
                default -> warnings.add("annotation " + key + " is not supported by this runtime; ignored");
            }
        }
        HypervisorConfig overridden = new HypervisorConfig(hv.name(), hv.path(), hv.kernel(), hv.initrd(), machine,
                List.copyOf(params), vcpus, maxVcpus, memory, hv.defaultMaxMemoryMiB(), slots, sharedFs,
                sharedFs.equals("virtio-fs") ? hv.virtioFs() : null, hv.accelerator(), hv.enableDebug(),
                hv.enableAnnotations(), hv.guestHookPath(), hv.image(), hv.reclaimGuestFreedMemory());
        return new RuntimeConfig(config.source(), overridden, config.agent(), config.enableDebug(), noSeccomp,
                noHostSockets, config.usePassfdIo(), List.copyOf(warnings), config.network(), config.factory());
    }

    private static boolean enabled(List<String> patterns, String name) {
        for (String p : patterns) {
            if (Pattern.matches(p, name)) {
                return true;
            }
        }
        return false;
    }

    /** Kata's annotation is a float; a VM has whole vCPUs, so a fraction rounds up. */
    private static int vcpus(String key, String value) throws ConfigException {
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a number of vCPUs");
        }
        if (!(v > 0) || v > 240) {
            throw invalid(key, value, "a number of vCPUs above 0 and at most 240");
        }
        return (int) Math.ceil(v);
    }

    private static int integer(String key, String value, int min, int max) throws ConfigException {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "an integer");
        }
        if (v < min || v > max) {
            throw invalid(key, value, "an integer between " + min + " and " + max);
        }
        return (int) v;
    }

    private static String oneOf(String key, String value, Set<String> allowed) throws ConfigException {
        if (!allowed.contains(value)) {
            throw invalid(key, value, "one of " + allowed.stream().sorted().toList());
        }
        return value;
    }

    /** virtio-fs needs the daemon the file configures; a pod cannot name a binary for the host to run. */
    private static String sharedFs(String key, String value, HypervisorConfig hv, RuntimeConfig config)
            throws ConfigException {
        String fs = oneOf(key, value, ConfigLoader.SHARED_FS);
        if (fs.equals("virtio-fs") && hv.virtioFs() == null) {
            throw new ConfigException("annotation " + key + ": virtio-fs needs shared_fs = \"virtio-fs\" and its"
                    + " virtio_fs_daemon in " + config.source());
        }
        return fs;
    }

    private static boolean bool(String key, String value) throws ConfigException {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw invalid(key, value, "true or false");
        };
    }

    private static ConfigException invalid(String key, String value, String expected) {
        return new ConfigException("annotation " + key + ": \"" + value + "\" is not " + expected);
    }
}
