package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The introspected schema: entries by name. Introspection hides type names behind numbers ("183"); command,
 * event and member names are real. Array types are named "[element]"; builtins keep their names.
 */
final class Schema {
    private final Map<String, JsonNode> entries = new LinkedHashMap<>();

    Schema(JsonNode array) {
        for (JsonNode e : array) {
            entries.put(e.path("name").asText(), e);
        }
    }

    JsonNode entry(String name) {
        JsonNode e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("the schema names type " + name + " but does not define it");
        }
        return e;
    }

    String metaType(String name) {
        return entry(name).path("meta-type").asText();
    }

    List<JsonNode> ofMetaType(String metaType) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : entries.values()) {
            if (e.path("meta-type").asText().equals(metaType)) {
                out.add(e);
            }
        }
        return out;
    }

    /** An object's members followed by those of every variant, each once (variants become optional fields). */
    List<JsonNode> flattenedMembers(String objectName) {
        Map<String, JsonNode> members = new LinkedHashMap<>();
        JsonNode object = entry(objectName);
        for (JsonNode m : object.path("members")) {
            members.putIfAbsent(m.path("name").asText(), m);
        }
        for (JsonNode v : object.path("variants")) {
            for (JsonNode m : flattenedMembers(v.path("type").asText())) {
                members.putIfAbsent(m.path("name").asText(), m);
            }
        }
        return new ArrayList<>(members.values());
    }

    /** True for the empty object type that commands without arguments or results use. */
    boolean isEmptyObject(String name) {
        JsonNode e = entry(name);
        return e.path("meta-type").asText().equals("object") && flattenedMembers(name).isEmpty();
    }
}
