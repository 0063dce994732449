package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;

/** The Java type that stands for a schema type in generated code. */
final class JavaTypes {
    private final Schema schema;
    private final TypeNamer namer;
    private final String typesPackage;
    private final String json;

    /** {@code jsonClass}: the generated QmpJson, fully qualified. */
    JavaTypes(Schema schema, TypeNamer namer, String typesPackage, String jsonClass) {
        this.schema = schema;
        this.namer = namer;
        this.typesPackage = typesPackage;
        this.json = jsonClass;
    }

    /** A source expression of the type, fully qualified where it is not java.lang. */
    String of(String schemaType) {
        JsonNode e = schema.entry(schemaType);
        return switch (e.path("meta-type").asText()) {
            case "builtin" -> switch (e.path("json-type").asText()) {
                case "string" -> "String";
                case "int" -> "Long";
                case "number" -> "Double";
                case "boolean" -> "Boolean";
                default -> "com.fasterxml.jackson.databind.JsonNode";
            };
            case "array" -> "java.util.List<" + of(e.path("element-type").asText()) + ">";
            case "enum", "object" -> {
                String generated = generated(schemaType);
                yield generated == null ? "com.fasterxml.jackson.databind.JsonNode" : generated;
            }
            default -> "com.fasterxml.jackson.databind.JsonNode";
        };
    }

    /**
     * A source expression of the {@code QmpJson.Reader} that turns a JSON value of the type into the type
     * {@link #of} names: generated code, no reflection, so a type's first use costs no more than its next.
     */
    String reader(String schemaType) {
        JsonNode e = schema.entry(schemaType);
        return switch (e.path("meta-type").asText()) {
            case "builtin" -> switch (e.path("json-type").asText()) {
                case "string" -> json + ".STRING";
                case "int" -> json + ".INT";
                case "number" -> json + ".NUMBER";
                case "boolean" -> json + ".BOOLEAN";
                default -> json + ".ANY";
            };
            case "array" -> json + ".listOf(" + reader(e.path("element-type").asText()) + ")";
            case "enum", "object" -> {
                String generated = generated(schemaType);
                yield generated == null ? json + ".ANY" : generated + "::fromJson";
            }
            default -> json + ".ANY";
        };
    }

    /** A source expression reading the JSON expression {@code jsonExpression} as the type {@link #of} names. */
    String read(String schemaType, String jsonExpression) {
        String generated = generated(schemaType);
        return generated != null
                ? generated + ".fromJson(" + jsonExpression + ")"
                : reader(schemaType) + ".read(" + jsonExpression + ")";
    }

    /** The generated record or enum standing for an enum or object type, fully qualified; null for any other. */
    private String generated(String schemaType) {
        String name = switch (schema.metaType(schemaType)) {
            case "enum", "object" -> namer.nameOf(schemaType);
            default -> null;
        };
        return name == null ? null : typesPackage + "." + name;
    }

    /** True when a command with this result type returns nothing worth typing (the empty object). */
    boolean isVoid(String schemaType) {
        return schema.entry(schemaType).path("meta-type").asText().equals("object") && schema.isEmptyObject(schemaType);
    }
}
