package dev.katajava.virtcontainers.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code hooks} of a config.json, checked as the runtime spec requires before anything runs. */
public final class OciHooks {
    private final Map<HookKind, List<Hook>> byKind;

    private OciHooks(Map<HookKind, List<Hook>> byKind) {
        this.byKind = byKind;
    }

    public static final OciHooks NONE = new OciHooks(new EnumMap<>(HookKind.class));

    /** Reads {@code spec.hooks}; a malformed entry is refused with its name (e.g. {@code hooks.prestart[0].path}). */
    public static OciHooks of(JsonNode spec) throws OciSpecException {
        JsonNode hooks = spec.path("hooks");
        if (hooks.isMissingNode() || hooks.isNull()) {
            return NONE;
        }
        if (!hooks.isObject()) {
            throw new OciSpecException("hooks must be an object, got " + hooks.getNodeType());
        }
        Map<HookKind, List<Hook>> byKind = new EnumMap<>(HookKind.class);
        for (HookKind kind : HookKind.values()) {
            JsonNode list = hooks.path(kind.specName());
            if (list.isMissingNode() || list.isNull()) {
                continue;
            }
            if (!list.isArray()) {
                throw new OciSpecException("hooks." + kind.specName() + " must be an array");
            }
            List<Hook> parsed = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                parsed.add(hook(kind.specName() + "[" + i + "]", list.get(i)));
            }
            byKind.put(kind, List.copyOf(parsed));
        }
        return new OciHooks(byKind);
    }

    private static Hook hook(String name, JsonNode h) throws OciSpecException {
        String where = "hooks." + name;
        JsonNode path = h.path("path");
        if (!path.isTextual() || path.asText().isEmpty()) {
            throw new OciSpecException(where + ".path is required");
        }
        Path program = Path.of(path.asText());
        if (!program.isAbsolute()) {
            throw new OciSpecException(where + ".path must be absolute, got \"" + path.asText() + "\"");
        }
        List<String> args = strings(where + ".args", h.path("args"));
        List<String> env = strings(where + ".env", h.path("env"));
        Optional<Duration> timeout = Optional.empty();
        JsonNode t = h.path("timeout");
        if (!t.isMissingNode() && !t.isNull()) {
            if (!t.canConvertToInt() || !t.isIntegralNumber() || t.asInt() <= 0) {
                throw new OciSpecException(where + ".timeout must be a positive number of seconds, got " + t);
            }
            timeout = Optional.of(Duration.ofSeconds(t.asInt()));
        }
        return new Hook(name, program, args.isEmpty() ? List.of(program.toString()) : args, env, timeout);
    }

    private static List<String> strings(String where, JsonNode node) throws OciSpecException {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new OciSpecException(where + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isTextual()) {
                throw new OciSpecException(where + " must be an array of strings, got " + s);
            }
            out.add(s.asText());
        }
        return out;
    }

    /** The hooks of {@code kind}, in the spec's order. */
    public List<Hook> of(HookKind kind) {
        return byKind.getOrDefault(kind, List.of());
    }

    public boolean isEmpty() {
        return byKind.values().stream().allMatch(List::isEmpty);
    }
}
