package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Writes a record for each named object type and an enum for each named enum type. */
final class TypeEmitter {
    /** A record's components become constructor parameters; the JVM allows 255 slots. */
    private static final int MAX_COMPONENTS = 250;

    private final Schema schema;
    private final JavaTypes types;
    private final String pkg;
    private final String jsonClass;

    TypeEmitter(Schema schema, JavaTypes types, String pkg, String jsonClass) {
        this.schema = schema;
        this.types = types;
        this.pkg = pkg;
        this.jsonClass = jsonClass;
    }

    String emit(String schemaType, String javaName) {
        JsonNode e = schema.entry(schemaType);
        return e.path("meta-type").asText().equals("enum") ? enumSource(e, javaName) : recordSource(schemaType, javaName);
    }

    private String recordSource(String schemaType, String javaName) {
        List<JsonNode> members = schema.flattenedMembers(schemaType);
        StringBuilder b = header();
        b.append("/** QAPI object type ").append(schemaType).append(" (as introspected; names are QEMU's members). */\n");
        if (members.size() > MAX_COMPONENTS) {
            // Too many members for a record: keep the object as JSON.
            b.append("@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)\n")
                    .append("public record ").append(javaName).append("(\n")
                    .append("        @com.fasterxml.jackson.annotation.JsonValue com.fasterxml.jackson.databind.JsonNode json) {\n")
                    .append("    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)\n")
                    .append("    public ").append(javaName).append(" {\n    }\n}\n");
            return b.toString();
        }
        // Unknown members are ignored by QmpJson's reading mapper (newer QEMUs add some), refused by of().
        b.append("@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)\n")
                .append("public record ").append(javaName).append("(");
        Set<String> used = new HashSet<>();
        String sep = "\n";
        for (JsonNode m : members) {
            String qapi = m.path("name").asText();
            String field = JavaNames.member(qapi);
            while (!used.add(field)) {
                field = field + "_";
            }
            b.append(sep).append("        @com.fasterxml.jackson.annotation.JsonProperty(\"").append(qapi).append("\") ")
                    .append(types.of(m.path("type").asText())).append(' ').append(field);
            sep = ",\n";
        }
        b.append(") {\n")
                .append("    /** Builds the object from QAPI member names; a name the schema does not have is an error. */\n")
                .append("    public static ").append(javaName).append(" of(java.util.Map<String, ?> members) {\n")
                .append("        return ").append(jsonClass).append(".strict(members, ").append(javaName).append(".class);\n")
                .append("    }\n}\n");
        return b.toString();
    }

    private String enumSource(JsonNode e, String javaName) {
        StringBuilder b = header();
        b.append("/** QAPI enum type ").append(e.path("name").asText()).append("; values QEMU adds later read as UNKNOWN_VALUE. */\n")
                .append("public enum ").append(javaName).append(" {\n");
        Set<String> used = new HashSet<>();
        for (JsonNode v : e.path("values")) {
            String constant = JavaNames.constant(v.asText());
            while (!used.add(constant)) {
                constant = constant + "_";
            }
            b.append("    @com.fasterxml.jackson.annotation.JsonProperty(\"").append(v.asText()).append("\") ")
                    .append(constant).append(",\n");
        }
        b.append("    @com.fasterxml.jackson.annotation.JsonEnumDefaultValue UNKNOWN_VALUE\n}\n");
        return b.toString();
    }

    private StringBuilder header() {
        return new StringBuilder("// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage ")
                .append(pkg).append(";\n\n");
    }
}
