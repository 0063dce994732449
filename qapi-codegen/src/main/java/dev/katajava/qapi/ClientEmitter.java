package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes {@code QmpCommands} (one typed method per command, over the project's QmpClient) and
 * {@code QmpEvents} (event names and typed access to their data).
 */
final class ClientEmitter {
    private final Schema schema;
    private final JavaTypes types;
    private final String pkg;
    private final String clientPackage;

    ClientEmitter(Schema schema, JavaTypes types, String pkg, String clientPackage) {
        this.schema = schema;
        this.types = types;
        this.pkg = pkg;
        this.clientPackage = clientPackage;
    }

    String commands() {
        StringBuilder b = new StringBuilder("// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage ")
                .append(pkg).append(";\n\n")
                .append("import com.fasterxml.jackson.core.type.TypeReference;\n")
                .append("import com.fasterxml.jackson.databind.JsonNode;\n")
                .append("import com.fasterxml.jackson.databind.node.ObjectNode;\n")
                .append("import ").append(clientPackage).append(".QmpClient;\n")
                .append("import ").append(clientPackage).append(".QmpException;\n")
                .append("import java.time.Duration;\n")
                .append("import java.util.Map;\n\n")
                .append("/** Every QMP command of the QEMU this was built against, typed. {@code extra} adds members the schema leaves open (device_add's properties). */\n")
                .append("public final class QmpCommands {\n")
                .append("    private final QmpClient client;\n\n")
                .append("    public QmpCommands(QmpClient client) {\n        this.client = client;\n    }\n\n")
                .append("    private JsonNode call(String name, Object args, Map<String, ?> extra, Duration timeout) throws QmpException {\n")
                .append("        ObjectNode arguments = args == null ? QmpJson.MAPPER.createObjectNode() : QmpJson.MAPPER.valueToTree(args);\n")
                .append("        extra.forEach((k, v) -> arguments.set(k, QmpJson.MAPPER.valueToTree(v)));\n")
                .append("        return client.execute(name, arguments.isEmpty() ? null : arguments, timeout);\n")
                .append("    }\n\n")
                .append("    private static <T> T convert(String name, JsonNode value, TypeReference<T> type) throws QmpException {\n")
                .append("        try {\n            return QmpJson.MAPPER.convertValue(value, type);\n")
                .append("        } catch (IllegalArgumentException e) {\n")
                .append("            throw new QmpException(name + \": unexpected answer \" + value + \": \" + e.getMessage(), e);\n")
                .append("        }\n    }\n");
        Set<String> used = new HashSet<>();
        for (JsonNode c : schema.ofMetaType("command")) {
            String name = c.path("name").asText();
            String method = JavaNames.member(name);
            while (!used.add(method)) {
                method = method + "_";
            }
            String argType = c.path("arg-type").asText();
            String retType = c.path("ret-type").asText();
            boolean hasArgs = !types.isVoid(argType);
            boolean returns = !types.isVoid(retType);
            String ret = returns ? types.of(retType) : "void";
            String params = hasArgs ? types.of(argType) + " args, Map<String, ?> extra, Duration timeout"
                    : "Map<String, ?> extra, Duration timeout";
            b.append("\n    /** {@code ").append(name).append("}. */\n")
                    .append("    public ").append(ret).append(' ').append(method).append('(').append(params)
                    .append(") throws QmpException {\n")
                    .append("        ").append(returns ? "JsonNode value = " : "")
                    .append("call(\"").append(name).append("\", ").append(hasArgs ? "args" : "null")
                    .append(", extra, timeout);\n");
            if (returns) {
                b.append("        return convert(\"").append(name).append("\", value, new TypeReference<").append(ret)
                        .append(">() {\n        });\n");
            }
            b.append("    }\n");
            // The common form, without extra members.
            b.append("\n    /** {@code ").append(name).append("}. */\n")
                    .append("    public ").append(ret).append(' ').append(method).append('(')
                    .append(hasArgs ? types.of(argType) + " args, " : "").append("Duration timeout) throws QmpException {\n")
                    .append("        ").append(returns ? "return " : "").append(method).append('(')
                    .append(hasArgs ? "args, " : "").append("Map.of(), timeout);\n    }\n");
        }
        b.append("}\n");
        return b.toString();
    }

    String events() {
        StringBuilder b = new StringBuilder("// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage ")
                .append(pkg).append(";\n\n")
                .append("import com.fasterxml.jackson.databind.JsonNode;\n")
                .append("import java.util.Optional;\n\n")
                .append("/** The QMP events of the QEMU this was built against: names, and each event's data typed. */\n")
                .append("public final class QmpEvents {\n    private QmpEvents() {\n    }\n");
        for (JsonNode e : schema.ofMetaType("event")) {
            String name = e.path("name").asText();
            b.append("\n    public static final String ").append(JavaNames.constant(name)).append(" = \"").append(name)
                    .append("\";\n");
        }
        Set<String> used = new HashSet<>();
        for (JsonNode e : schema.ofMetaType("event")) {
            String name = e.path("name").asText();
            String argType = e.path("arg-type").asText();
            String method = JavaNames.member(name);
            while (!used.add(method)) {
                method = method + "_";
            }
            if (types.isVoid(argType)) {
                continue;
            }
            String data = types.of(argType);
            b.append("\n    /** The data of {@code ").append(name).append("}, or empty when {@code event} is another event. */\n")
                    .append("    public static Optional<").append(data).append("> ").append(method)
                    .append("(JsonNode event) {\n")
                    .append("        if (!event.path(\"event\").asText().equals(").append(JavaNames.constant(name))
                    .append(")) {\n            return Optional.empty();\n        }\n")
                    .append("        return Optional.of(QmpJson.MAPPER.convertValue(event.path(\"data\"), ").append(data)
                    .append(".class));\n    }\n");
        }
        b.append("}\n");
        return b.toString();
    }

    String json() {
        return "// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage " + pkg + ";\n\n"
                + "import com.fasterxml.jackson.annotation.JsonInclude;\n"
                + "import com.fasterxml.jackson.databind.DeserializationFeature;\n"
                + "import com.fasterxml.jackson.databind.ObjectMapper;\n"
                + "import com.fasterxml.jackson.databind.json.JsonMapper;\n\n"
                + "/** The JSON mapping of the generated types: absent members stay absent; unknown ones are ignored. */\n"
                + "public final class QmpJson {\n"
                + "    public static final ObjectMapper MAPPER = JsonMapper.builder()\n"
                + "            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)\n"
                + "            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)\n"
                + "            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,\n"
                + "                    JsonInclude.Include.NON_NULL))\n"
                + "            .build();\n"
                + "    private static final ObjectMapper STRICT = JsonMapper.builder()\n"
                + "            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)\n"
                + "            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,\n"
                + "                    JsonInclude.Include.NON_NULL))\n"
                + "            .build();\n\n"
                + "    private QmpJson() {\n    }\n\n"
                + "    /** Converts QAPI members to a generated type; an unknown member or a wrong type is an IllegalArgumentException naming it. */\n"
                + "    public static <T> T strict(java.util.Map<String, ?> members, Class<T> type) {\n"
                + "        return STRICT.convertValue(members, type);\n"
                + "    }\n}\n";
    }
}
