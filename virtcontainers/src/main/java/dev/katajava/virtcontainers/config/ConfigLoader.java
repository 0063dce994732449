package dev.katajava.virtcontainers.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads configuration.toml in Kata's format and checks every value this runtime uses.
 *
 * <p>Wrong types and out-of-range values are errors naming file, key and line; keys this runtime does not
 * know are accepted with a warning, so a user's existing Kata file keeps working.
 */
public final class ConfigLoader {
    private static final TomlMapper MAPPER = new TomlMapper();
    private static final Set<String> HYPERVISOR_KEYS = Set.of("path", "kernel", "initrd", "image", "machine_type",
            "kernel_params", "default_vcpus", "default_maxvcpus", "default_memory", "default_maxmemory",
            "shared_fs", "accelerator", "enable_debug", "memory_slots", "enable_annotations", "virtio_fs_daemon",
            "virtio_fs_cache", "disable_vhost_net", "virtio_fs_extra_args", "virtio_fs_cache_size", "guest_hook_path",
            "reclaim_guest_freed_memory", "rootfs_type");
    private static final Set<String> AGENT_KEYS = Set.of("dial_timeout", "enable_debug", "transport");
    private static final Set<String> RUNTIME_KEYS = Set.of("enable_debug", "disable_guest_seccomp",
            "internetworking_model", "disable_new_netns", "disable_host_socket_forwarding",
            "use_passfd_io");
    private static final Set<String> FACTORY_KEYS = Set.of("enable_template", "template_path", "vm_cache_number",
            "vm_cache_endpoint");
    /** Each cached VM holds its full guest RAM: a small bound keeps a typo from exhausting the host. */
    private static final int VM_CACHE_MAX = 64;
    /** The template path goes into QEMU options and a migration command run by a shell: plain characters only. */
    private static final Pattern TEMPLATE_PATH = Pattern.compile("/[A-Za-z0-9._/-]*");
    private static final Set<String> MACHINE_TYPES = Set.of("q35", "microvm");
    static final Set<String> SHARED_FS = Set.of("virtio-9p", "virtio-fs");

    private ConfigLoader() {
    }

    public static RuntimeConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        return parse(file, text);
    }

    static RuntimeConfig parse(Path file, String text) throws ConfigException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(file + (line > 0 ? ":" + line : "") + ": not valid TOML: "
                    + e.getOriginalMessage());
        }
        Reader r = new Reader(file, new TomlKeyLines(Arrays.asList(text.split("\n", -1))));
        JsonNode hypervisors = root.path("hypervisor");
        if (!hypervisors.isObject() || hypervisors.size() == 0) {
            throw new ConfigException(file + ": missing [hypervisor.qemu] section");
        }
        Iterator<String> names = hypervisors.fieldNames();
        String name = names.next();
        if (!name.equals("qemu")) {
            throw r.error("hypervisor." + name, "unsupported hypervisor \"" + name + "\" (supported: qemu)");
        }
        while (names.hasNext()) {
            r.warn("hypervisor." + names.next(), "ignored: only the first hypervisor table is used");
        }
        String h = "hypervisor.qemu";
        JsonNode hv = hypervisors.get(name);
        r.unknownKeys(h, hv, HYPERVISOR_KEYS);
        String sharedFs = r.oneOf(h, hv, "shared_fs", "virtio-9p", SHARED_FS);
        String machineType = r.oneOf(h, hv, "machine_type", "q35", MACHINE_TYPES);
        Path image = rootImage(r, h, hv, machineType);
        HypervisorConfig hypervisor = new HypervisorConfig(
                name,
                r.path(h, hv, "path", "/usr/bin/qemu-system-x86_64"),
                r.path(h, hv, "kernel", null),
                r.path(h, hv, "initrd", null),
                machineType,
                splitParams(r.string(h, hv, "kernel_params", "")),
                r.integer(h, hv, "default_vcpus", 1, 1, 240),
                r.integer(h, hv, "default_maxvcpus", 0, 0, 240),
                r.integer(h, hv, "default_memory", 2048, 64, 1 << 22),
                r.integer(h, hv, "default_maxmemory", 0, 0, 1 << 22),
                r.integer(h, hv, "memory_slots", 10, 0, 255),
                sharedFs,
                sharedFs.equals("virtio-fs") ? virtioFs(r, h, hv) : null,
                Accelerator.valueOf(r.oneOf(h, hv, "accelerator", "auto", Set.of("auto", "kvm", "tcg"))
                        .toUpperCase(Locale.ROOT)),
                r.bool(h, hv, "enable_debug", false),
                r.patterns(h, hv, "enable_annotations"),
                hv.has("guest_hook_path") && !r.string(h, hv, "guest_hook_path", "").isEmpty()
                        ? r.path(h, hv, "guest_hook_path", null).toString() : "",
                image,
                r.bool(h, hv, "reclaim_guest_freed_memory", false));

        String a = "agent.kata";
        JsonNode ag = root.path("agent").path("kata");
        r.unknownKeys(a, ag, AGENT_KEYS);
        AgentConfig agent = new AgentConfig(
                Duration.ofSeconds(r.integer(a, ag, "dial_timeout", 45, 1, 3600)),
                r.bool(a, ag, "enable_debug", false),
                r.oneOf(a, ag, "transport", "auto", AgentConfig.TRANSPORTS));

        JsonNode rt = root.path("runtime");
        r.unknownKeys("runtime", rt, RUNTIME_KEYS);
        boolean debug = r.bool("runtime", rt, "enable_debug", false);
        boolean noSeccomp = r.bool("runtime", rt, "disable_guest_seccomp", false);
        String modelName = r.string("runtime", rt, "internetworking_model", NetworkConfig.Model.TCFILTER.key());
        NetworkConfig.Model model = NetworkConfig.Model.of(modelName);
        if (model == null) {
            throw r.error("runtime.internetworking_model", "unsupported value \"" + modelName
                    + "\" (expected one of [none, tcfilter])");
        }
        boolean noNewNetns = r.bool("runtime", rt, "disable_new_netns", false);
        if (noNewNetns && model != NetworkConfig.Model.NONE) {
            throw r.error("runtime.disable_new_netns", "true works only with internetworking_model = \"none\""
                    + " (got \"" + model.key() + "\")");
        }
        NetworkConfig network = new NetworkConfig(model, noNewNetns, r.bool(h, hv, "disable_vhost_net", false));
        boolean noHostSockets = r.bool("runtime", rt, "disable_host_socket_forwarding", false);
        boolean passfdIo = r.bool("runtime", rt, "use_passfd_io", true);
        FactoryConfig factory = factory(r, root.path("factory"));
        return new RuntimeConfig(file, hypervisor, agent, debug, noSeccomp, noHostSockets, passfdIo,
                List.copyOf(r.warnings), network, factory);
    }

    /**
     * The root image, or null. Unlike Kata, an image comes with an initrd: the guest kernel's drivers for
     * the persistent-memory device and EROFS are modules, which a small loader initramfs loads first.
     */
    private static Path rootImage(Reader r, String h, JsonNode hv, String machineType) throws ConfigException {
        if (!hv.has("image") || r.string(h, hv, "image", "").isEmpty()) {
            return null;
        }
        Path image = r.path(h, hv, "image", null);
        if (!hv.has("initrd") || r.string(h, hv, "initrd", "").isEmpty()) {
            throw r.error(h + ".image", "needs initrd as well: the loader initramfs (kata-containers-loader.img)"
                    + " that loads the guest's pmem and EROFS modules and mounts the image");
        }
        if (!machineType.equals("q35")) {
            throw r.error(h + ".image", "needs machine_type = \"q35\" (the image is a virtio-pmem PCI device;"
                    + " got \"" + machineType + "\")");
        }
        // Kata's key for the image's filesystem. The loader carries the EROFS driver only, so another type
        // could not be mounted: say so here rather than as a guest that never comes up.
        String rootfsType = r.string(h, hv, "rootfs_type", VmSpec.IMAGE_FILESYSTEM);
        if (!rootfsType.equals(VmSpec.IMAGE_FILESYSTEM)) {
            throw r.error(h + ".rootfs_type", "unsupported value \"" + rootfsType + "\": the guest image this"
                    + " runtime builds is EROFS, and its loader has no driver for another filesystem");
        }
        return image;
    }

    private static FactoryConfig factory(Reader r, JsonNode f) throws ConfigException {
        r.unknownKeys("factory", f, FACTORY_KEYS);
        boolean enable = r.bool("factory", f, "enable_template", false);
        Path path = r.path("factory", f, "template_path", FactoryConfig.DEFAULT_TEMPLATE_PATH.toString());
        if (!TEMPLATE_PATH.matcher(path.toString()).matches() || path.getNameCount() == 0) {
            throw r.error("factory.template_path", "\"" + path + "\" must be a directory below / named with letters,"
                    + " digits, '.', '_', '-' and '/' only (it is passed to QEMU and to a shell command)");
        }
        int cacheNumber = r.integer("factory", f, "vm_cache_number", 0, 0, VM_CACHE_MAX);
        Path endpoint = r.path("factory", f, "vm_cache_endpoint", FactoryConfig.DEFAULT_VM_CACHE_ENDPOINT.toString());
        if (endpoint.getNameCount() == 0) {
            throw r.error("factory.vm_cache_endpoint", "\"" + endpoint + "\" must be an absolute path of a socket");
        }
        return new FactoryConfig(enable, path.normalize(), cacheNumber, endpoint.normalize());
    }

    private static VirtioFsConfig virtioFs(Reader r, String h, JsonNode hv) throws ConfigException {
        if (hv.get("virtio_fs_daemon") == null) {
            throw r.error(h + ".shared_fs", "\"virtio-fs\" needs virtio_fs_daemon, the path of a virtiofsd");
        }
        Path daemon = r.path(h, hv, "virtio_fs_daemon", null);
        if (!Files.isRegularFile(daemon) || !Files.isExecutable(daemon)) {
            throw r.error(h + ".virtio_fs_daemon", daemon + " is not an executable file (shared_fs = \"virtio-fs\""
                    + " needs a virtiofsd)");
        }
        String cache = r.oneOf(h, hv, "virtio_fs_cache", "auto", VirtioFsConfig.CACHE_MODES.keySet());
        if (r.integer(h, hv, "virtio_fs_cache_size", 0, 0, Integer.MAX_VALUE) != 0) {
            throw r.error(h + ".virtio_fs_cache_size", "only 0 is supported: DAX (a virtio-fs cache window in"
                    + " guest memory) is not implemented");
        }
        return new VirtioFsConfig(daemon, VirtioFsConfig.CACHE_MODES.get(cache),
                r.strings(h, hv, "virtio_fs_extra_args"));
    }

    /** Splits at the whitespace {@link String#strip} removes, so no parameter is made of whitespace alone. */
    static List<String> splitParams(String params) {
        String trimmed = params.strip();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\p{javaWhitespace}+"));
    }

    /** Typed access to one table's values with errors that point at the key's line. */
    private static final class Reader {
        private final Path file;
        private final TomlKeyLines lines;
        private final List<String> warnings = new ArrayList<>();

        Reader(Path file, TomlKeyLines lines) {
            this.file = file;
            this.lines = lines;
        }

        ConfigException error(String key, String problem) {
            return new ConfigException(where(key) + ": " + problem);
        }

        void warn(String key, String problem) {
            warnings.add(where(key) + ": " + problem);
        }

        private String where(String dottedKey) {
            int line = lines.lineOf(dottedKey);
            int dot = dottedKey.lastIndexOf('.');
            String shown = dot < 0 ? dottedKey : "[" + dottedKey.substring(0, dot) + "] " + dottedKey.substring(dot + 1);
            return file + (line > 0 ? ":" + line : "") + ": " + shown;
        }

        void unknownKeys(String table, JsonNode node, Set<String> known) {
            if (!node.isObject()) {
                return;
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!known.contains(field.getKey())) {
                    warn(table + "." + field.getKey(), "unknown key, ignored");
                }
            }
        }

        String string(String table, JsonNode node, String key, String fallback) throws ConfigException {
            JsonNode v = node.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isTextual()) {
                throw error(table + "." + key, "expected a string, got " + v);
            }
            return v.asText();
        }

        List<String> strings(String table, JsonNode node, String key) throws ConfigException {
            JsonNode v = node.get(key);
            if (v == null) {
                return List.of();
            }
            List<String> values = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode item : v) {
                    if (!item.isTextual()) {
                        break;
                    }
                    values.add(item.asText());
                }
            }
            if (!v.isArray() || values.size() != v.size()) {
                throw error(table + "." + key, "expected an array of strings, got " + v);
            }
            return List.copyOf(values);
        }

        Path path(String table, JsonNode node, String key, String fallback) throws ConfigException {
            String value = string(table, node, key, fallback);
            if (value == null || value.isEmpty()) {
                throw error(table + "." + key, "required path is missing");
            }
            if (!value.startsWith("/")) {
                throw error(table + "." + key, "must be an absolute path, got \"" + value + "\"");
            }
            return Path.of(value);
        }

        String oneOf(String table, JsonNode node, String key, String fallback, Set<String> allowed)
                throws ConfigException {
            String value = string(table, node, key, fallback);
            if (!allowed.contains(value)) {
                throw error(table + "." + key, "unsupported value \"" + value + "\" (expected one of "
                        + allowed.stream().sorted().toList() + ")");
            }
            return value;
        }

        int integer(String table, JsonNode node, String key, int fallback, int min, int max) throws ConfigException {
            JsonNode v = node.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isIntegralNumber()) {
                throw error(table + "." + key, "expected an integer, got " + v);
            }
            long value = v.asLong();
            if (value < min || value > max) {
                throw error(table + "." + key, "must be between " + min + " and " + max + ", got " + value);
            }
            return (int) value;
        }

        /** An array of regular expressions, each checked here so a typo fails at load, not at first use. */
        List<String> patterns(String table, JsonNode node, String key) throws ConfigException {
            JsonNode v = node.get(key);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                throw error(table + "." + key, "expected an array of strings, got " + v);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isTextual()) {
                    throw error(table + "." + key, "expected an array of strings, got element " + item);
                }
                try {
                    Pattern.compile(item.asText());
                } catch (PatternSyntaxException e) {
                    throw error(table + "." + key, "\"" + item.asText() + "\" is not a regular expression: "
                            + e.getDescription());
                }
                out.add(item.asText());
            }
            return List.copyOf(out);
        }

        boolean bool(String table, JsonNode node, String key, boolean fallback) throws ConfigException {
            JsonNode v = node.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw error(table + "." + key, "expected true or false, got " + v);
            }
            return v.asBoolean();
        }
    }
}
