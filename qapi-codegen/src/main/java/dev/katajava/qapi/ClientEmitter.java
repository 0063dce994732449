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
                .append("        ObjectNode arguments = QmpJson.arguments(args);\n")
                .append("        for (Map.Entry<String, ?> e : extra.entrySet()) {\n")
                .append("            arguments.set(e.getKey(), QmpJson.write(e.getValue()));\n")
                .append("        }\n")
                .append("        return client.execute(name, arguments.isEmpty() ? null : arguments, timeout);\n")
                .append("    }\n\n")
                .append("    private static <T> T convert(String name, JsonNode value, QmpJson.Reader<T> reader) throws QmpException {\n")
                .append("        if (value == null || value.isNull()) {\n            return null;\n        }\n")
                .append("        try {\n            return reader.read(value);\n")
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
                b.append("        return convert(\"").append(name).append("\", value, ").append(types.reader(retType))
                        .append(");\n");
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
                    .append("        return Optional.of(").append(types.read(argType, "event.path(\"data\")")).append(");\n    }\n");
        }
        b.append("}\n");
        return b.toString();
    }
}
