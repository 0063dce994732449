package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Gives the schema's numbered object and enum types Java names from where they are first reached: a
 * command's arguments are {@code <Command>Args}, its result {@code <Command>Result}, an event's data
 * {@code <Event>Event}, and a member's type {@code <Owner><Member>}. Commands and events are walked in
 * schema order, so names are stable for a given QEMU. A name already taken gets a number.
 */
final class TypeNamer {
    private final Schema schema;
    private final Map<String, String> names = new LinkedHashMap<>();
    private final Set<String> taken = new HashSet<>();
    private final Map<String, Integer> counters = new HashMap<>();

    TypeNamer(Schema schema) {
        this.schema = schema;
        for (JsonNode c : schema.ofMetaType("command")) {
            String base = JavaNames.type(c.path("name").asText());
            visit(c.path("arg-type").asText(), base + "Args");
            visit(c.path("ret-type").asText(), base + "Result");
        }
        for (JsonNode e : schema.ofMetaType("event")) {
            visit(e.path("arg-type").asText(), JavaNames.type(e.path("name").asText()) + "Event");
        }
    }

    /** The Java name of a named object or enum type, or null for builtins, arrays, alternates. */
    String nameOf(String schemaType) {
        return names.get(schemaType);
    }

    /** Named types in the order they were named. */
    Map<String, String> all() {
        return names;
    }

    private void visit(String type, String proposed) {
        if (type.isEmpty() || names.containsKey(type)) {
            return;
        }
        JsonNode entry = schema.entry(type);
        switch (entry.path("meta-type").asText()) {
            case "array" -> visit(entry.path("element-type").asText(), proposed);
            case "alternate" -> {
                for (JsonNode m : entry.path("members")) {
                    visit(m.path("type").asText(), proposed + "Value");
                }
            }
            case "enum" -> names.put(type, unique(proposed));
            case "object" -> {
                if (schema.isEmptyObject(type)) {
                    return;
                }
                String name = unique(proposed);
                names.put(type, name);
                for (JsonNode m : schema.flattenedMembers(type)) {
                    visit(m.path("type").asText(), name + JavaNames.type(m.path("name").asText()));
                }
            }
            default -> {
                // builtins need no name
            }
        }
    }

    private String unique(String proposed) {
        String name = proposed;
        while (!taken.add(name)) {
            name = proposed + counters.merge(proposed, 2, (a, b) -> a + 1);
        }
        return name;
    }
}
