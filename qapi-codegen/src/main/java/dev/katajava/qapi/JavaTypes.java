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
                String name = namer.nameOf(schemaType);
                yield name == null ? "com.fasterxml.jackson.databind.JsonNode" : typesPackage + "." + name;
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
                String name = namer.nameOf(schemaType);
                yield name == null ? json + ".ANY" : typesPackage + "." + name + "::fromJson";
            }
            default -> json + ".ANY";
        };
    }

    /** A source expression reading the JSON expression {@code json} as the type {@link #of} names. */
    String read(String schemaType, String jsonExpression) {
        String r = reader(schemaType);
        return r.endsWith("::fromJson")
                ? r.substring(0, r.length() - "::fromJson".length()) + ".fromJson(" + jsonExpression + ")"
                : r + ".read(" + jsonExpression + ")";
    }

    /** True when a command with this result type returns nothing worth typing (the empty object). */
    boolean isVoid(String schemaType) {
        return schema.entry(schemaType).path("meta-type").asText().equals("object") && schema.isEmptyObject(schemaType);
    }
}
