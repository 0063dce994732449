package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a record for each named object type and an enum for each named enum type, each with its JSON
 * reading and writing spelled out (see {@link JsonSupportEmitter}); the Jackson annotations stay for callers
 * that bind the types themselves.
 */
final class TypeEmitter {
    /** A record's components become constructor parameters; the JVM allows 255 slots. */
    private static final int MAX_COMPONENTS = 250;

    private final Schema schema;
    private final JavaTypes types;
    private final String pkg;
    private final String jsonClass;
    private final String objectInterface;
    private final String enumInterface;

    /** {@code typesPackage}: where the types go; {@code supportPackage}: where QmpJson, QapiObject and QapiEnum are generated. */
    TypeEmitter(Schema schema, JavaTypes types, String typesPackage, String supportPackage) {
        this.schema = schema;
        this.types = types;
        this.pkg = typesPackage;
        this.jsonClass = supportPackage + ".QmpJson";
        this.objectInterface = supportPackage + ".QapiObject";
        this.enumInterface = supportPackage + ".QapiEnum";
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
                    .append("        @com.fasterxml.jackson.annotation.JsonValue com.fasterxml.jackson.databind.JsonNode json)")
                    .append(" implements ").append(objectInterface).append(" {\n")
                    .append("    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)\n")
                    .append("    public ").append(javaName).append(" {\n    }\n\n")
                    .append("    /** Any members: the object is kept as JSON. */\n")
                    .append("    public static ").append(javaName).append(" of(java.util.Map<String, ?> members) {\n")
                    .append("        return fromJson(").append(jsonClass).append(".write(members));\n    }\n\n")
                    .append("    public static ").append(javaName).append(" fromJson(com.fasterxml.jackson.databind.JsonNode json) {\n")
                    .append("        ").append(jsonClass).append(".requireObject(json, \"").append(javaName).append("\");\n")
                    .append("        return new ").append(javaName).append("(json);\n    }\n\n")
                    .append("    @Override\n")
                    .append("    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {\n")
                    .append("        ").append(jsonClass).append(".requireObject(json, \"").append(javaName).append("\");\n")
                    .append("        return ((com.fasterxml.jackson.databind.node.ObjectNode) json).deepCopy();\n    }\n}\n");
            return b.toString();
        }
        // Unknown members are ignored when reading QEMU's answers (newer QEMUs add some), refused by of().
        b.append("@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)\n")
                .append("public record ").append(javaName).append("(");
        Set<String> used = new HashSet<>();
        List<String[]> fields = new ArrayList<>();
        String sep = "\n";
        for (JsonNode m : members) {
            String qapi = m.path("name").asText();
            String field = JavaNames.member(qapi);
            while (!used.add(field)) {
                field = field + "_";
            }
            String type = m.path("type").asText();
            fields.add(new String[] {qapi, field, types.reader(type)});
            b.append(sep).append("        @com.fasterxml.jackson.annotation.JsonProperty(\"").append(qapi).append("\") ")
                    .append(types.of(type)).append(' ').append(field);
            sep = ",\n";
        }
        b.append(") implements ").append(objectInterface).append(" {\n");
        b.append("    private static final java.util.Set<String> MEMBERS = java.util.Set.of(");
        sep = "";
        for (String[] f : fields) {
            b.append(sep).append('"').append(f[0]).append('"');
            sep = ", ";
        }
        b.append(");\n\n")
                .append("    /** Builds the object from QAPI member names; a name the schema does not have, or a value of the wrong type, is an error. */\n")
                .append("    public static ").append(javaName).append(" of(java.util.Map<String, ?> members) {\n")
                .append("        ").append(jsonClass).append(".requireKnown(members.keySet(), MEMBERS, \"").append(javaName)
                .append("\");\n")
                .append("        return fromJson(").append(jsonClass).append(".write(members));\n    }\n\n")
                .append("    /** Reads the object from JSON; members it does not have are ignored. */\n")
                .append("    public static ").append(javaName).append(" fromJson(com.fasterxml.jackson.databind.JsonNode json) {\n")
                .append("        ").append(jsonClass).append(".requireObject(json, \"").append(javaName).append("\");\n")
                .append("        return new ").append(javaName).append('(');
        sep = "\n";
        for (String[] f : fields) {
            b.append(sep).append("                ").append(jsonClass).append(".member(json, \"").append(f[0]).append("\", ")
                    .append(f[2]).append(')');
            sep = ",\n";
        }
        b.append(");\n    }\n\n")
                .append("    @Override\n")
                .append("    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {\n")
                .append("        com.fasterxml.jackson.databind.node.ObjectNode out$ = ").append(jsonClass).append(".object();\n");
        for (String[] f : fields) {
            b.append("        ").append(jsonClass).append(".put(out$, \"").append(f[0]).append("\", ").append(f[1])
                    .append(");\n");
        }
        b.append("        return out$;\n    }\n}\n");
        return b.toString();
    }

    private String enumSource(JsonNode e, String javaName) {
        StringBuilder b = header();
        b.append("/** QAPI enum type ").append(e.path("name").asText()).append("; values QEMU adds later read as UNKNOWN_VALUE. */\n")
                .append("public enum ").append(javaName).append(" implements ").append(enumInterface).append(" {\n");
        Set<String> used = new HashSet<>();
        List<String[]> values = new ArrayList<>();
        for (JsonNode v : e.path("values")) {
            String constant = JavaNames.constant(v.asText());
            while (!used.add(constant)) {
                constant = constant + "_";
            }
            values.add(new String[] {v.asText(), constant});
            b.append("    @com.fasterxml.jackson.annotation.JsonProperty(\"").append(v.asText()).append("\") ")
                    .append(constant).append("(\"").append(v.asText()).append("\"),\n");
        }
        b.append("    @com.fasterxml.jackson.annotation.JsonEnumDefaultValue UNKNOWN_VALUE(null);\n\n")
                .append("    private final String wire;\n\n")
                .append("    ").append(javaName).append("(String wire) {\n        this.wire = wire;\n    }\n\n")
                .append("    @Override\n")
                .append("    public String wire() {\n")
                .append("        if (wire == null) {\n")
                .append("            throw new IllegalStateException(\"").append(javaName)
                .append(".UNKNOWN_VALUE stands for a value this build does not know; it cannot be sent\");\n")
                .append("        }\n        return wire;\n    }\n\n")
                .append("    /** The constant of a QAPI name; UNKNOWN_VALUE for a name this build does not know. */\n")
                .append("    public static ").append(javaName).append(" fromWire(String name) {\n")
                .append("        return switch (name) {\n");
        for (String[] v : values) {
            b.append("            case \"").append(v[0]).append("\" -> ").append(v[1]).append(";\n");
        }
        b.append("            default -> UNKNOWN_VALUE;\n        };\n    }\n\n")
                .append("    public static ").append(javaName).append(" fromJson(com.fasterxml.jackson.databind.JsonNode json) {\n")
                .append("        return fromWire(").append(jsonClass).append(".STRING.read(json));\n    }\n}\n");
        return b.toString();
    }

    private StringBuilder header() {
        return new StringBuilder("// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage ")
                .append(pkg).append(";\n\n");
    }
}
