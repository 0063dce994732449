package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;

/** The Java type that stands for a schema type in generated code. */
final class JavaTypes {
    private final Schema schema;
    private final TypeNamer namer;
    private final String typesPackage;

    JavaTypes(Schema schema, TypeNamer namer, String typesPackage) {
        this.schema = schema;
        this.namer = namer;
        this.typesPackage = typesPackage;
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

    /** True when a command with this result type returns nothing worth typing (the empty object). */
    boolean isVoid(String schemaType) {
        return schema.entry(schemaType).path("meta-type").asText().equals("object") && schema.isEmptyObject(schemaType);
    }
}
