package dev.katajava.qapi;

/**
 * Writes the JSON support the generated types share: {@code QmpJson} (reading and writing QAPI values by hand,
 * no reflection) and the two interfaces every generated record and enum implements.
 *
 * <p>Why by hand: Jackson's data binding builds a type's (de)serializer by reflection the first time the type
 * is used, 30-50 ms per command under a cold JVM, and a sandbox's start is made of first uses.
 */
final class JsonSupportEmitter {
    private static final String HEADER = "// Generated from QEMU's QAPI schema at build time. Do not edit.\npackage ";

    private final String pkg;

    JsonSupportEmitter(String pkg) {
        this.pkg = pkg;
    }

    String qapiObject() {
        return HEADER + pkg + ";\n\n"
                + "/** A generated QAPI object type: writes itself as the JSON object QEMU expects. */\n"
                + "public interface QapiObject {\n"
                + "    /** The members that are set, under their QAPI names; absent (null) ones are left out. */\n"
                + "    com.fasterxml.jackson.databind.node.ObjectNode toJson();\n"
                + "}\n";
    }

    String qapiEnum() {
        return HEADER + pkg + ";\n\n"
                + "/** A generated QAPI enum type. */\n"
                + "public interface QapiEnum {\n"
                + "    /** The value's QAPI name; UNKNOWN_VALUE has none and cannot be sent. */\n"
                + "    String wire();\n"
                + "}\n";
    }

    String json() {
        return HEADER + pkg + ";\n\n" + """
                import com.fasterxml.jackson.databind.JsonNode;
                import com.fasterxml.jackson.databind.ObjectMapper;
                import com.fasterxml.jackson.databind.node.ArrayNode;
                import com.fasterxml.jackson.databind.node.JsonNodeFactory;
                import com.fasterxml.jackson.databind.node.ObjectNode;
                import java.util.ArrayList;
                import java.util.Collection;
                import java.util.List;
                import java.util.Map;
                import java.util.Set;

                /**
                 * Reads and writes the generated types' JSON: absent or null members read as null and are not
                 * written; members a type does not know are ignored when reading (newer QEMUs add some); a value of
                 * the wrong JSON type is an IllegalArgumentException naming the member.
                 */
                public final class QmpJson {
                    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
                    /** The largest unsigned 64-bit value QEMU sends (uint64 and size members). */
                    private static final java.math.BigInteger UINT64_MAX = java.math.BigInteger.ONE.shiftLeft(64)
                            .subtract(java.math.BigInteger.ONE);

                    private QmpJson() {
                    }

                    /** Turns a JSON value (never null) into a Java value, or says what was wrong with it. */
                    @FunctionalInterface
                    public interface Reader<T> {
                        T read(JsonNode value);
                    }

                    public static final Reader<String> STRING = new Reader<>() {
                        @Override
                        public String read(JsonNode v) {
                            if (!v.isTextual()) {
                                throw wrong("a string", v);
                            }
                            return v.textValue();
                        }
                    };

                    /** QAPI's int, int64 and uint64 alike; a uint64 above Long.MAX_VALUE keeps its 64 bits. */
                    public static final Reader<Long> INT = new Reader<>() {
                        @Override
                        public Long read(JsonNode v) {
                            if (!v.isIntegralNumber()) {
                                throw wrong("an integer", v);
                            }
                            if (v.canConvertToLong()) {
                                return v.longValue();
                            }
                            java.math.BigInteger big = v.bigIntegerValue();
                            if (big.signum() < 0 || big.compareTo(UINT64_MAX) > 0) {
                                throw wrong("a 64-bit integer", v);
                            }
                            return big.longValue();
                        }
                    };

                    public static final Reader<Double> NUMBER = new Reader<>() {
                        @Override
                        public Double read(JsonNode v) {
                            if (!v.isNumber()) {
                                throw wrong("a number", v);
                            }
                            return v.doubleValue();
                        }
                    };

                    public static final Reader<Boolean> BOOLEAN = new Reader<>() {
                        @Override
                        public Boolean read(JsonNode v) {
                            if (!v.isBoolean()) {
                                throw wrong("true or false", v);
                            }
                            return v.booleanValue();
                        }
                    };

                    /** Any JSON: QAPI's "any", alternates and types kept as JSON. */
                    public static final Reader<JsonNode> ANY = new Reader<>() {
                        @Override
                        public JsonNode read(JsonNode v) {
                            return v;
                        }
                    };

                    /** A JSON array read element by element. */
                    public static <T> Reader<List<T>> listOf(Reader<T> element) {
                        return new Reader<>() {
                            @Override
                            public List<T> read(JsonNode v) {
                                if (!v.isArray()) {
                                    throw wrong("an array", v);
                                }
                                List<T> out = new ArrayList<>(v.size());
                                for (int i = 0; i < v.size(); i++) {
                                    try {
                                        out.add(element.read(v.get(i)));
                                    } catch (IllegalArgumentException e) {
                                        throw new IllegalArgumentException("[" + i + "]: " + e.getMessage(), e);
                                    }
                                }
                                return out;
                            }
                        };
                    }

                    /** Checks that {@code value} is an object before a type named {@code type} reads its members. */
                    public static void requireObject(JsonNode value, String type) {
                        if (value == null || !value.isObject()) {
                            throw new IllegalArgumentException(type + ": expected an object, got " + describe(value));
                        }
                    }

                    /** Member {@code name} of {@code object}, read by {@code reader}; null when absent or null. */
                    public static <T> T member(JsonNode object, String name, Reader<T> reader) {
                        JsonNode v = object.get(name);
                        if (v == null || v.isNull()) {
                            return null;
                        }
                        try {
                            return reader.read(v);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("member \\"" + name + "\\": " + e.getMessage(), e);
                        }
                    }

                    /** An empty JSON object to write members into. */
                    public static ObjectNode object() {
                        return NODES.objectNode();
                    }

                    /** Sets member {@code name} unless {@code value} is null. */
                    public static void put(ObjectNode object, String name, Object value) {
                        if (value != null) {
                            object.set(name, write(value));
                        }
                    }

                    /**
                     * The JSON of a value a generated type or a caller's extra members hold: strings, booleans,
                     * numbers, JSON, generated objects and enums, lists and maps of those (a map's null values are
                     * left out, as a type's absent members are).
                     */
                    public static JsonNode write(Object value) {
                        if (value == null) {
                            return NODES.nullNode();
                        }
                        if (value instanceof JsonNode n) {
                            return n;
                        }
                        if (value instanceof String s) {
                            return NODES.textNode(s);
                        }
                        if (value instanceof Boolean b) {
                            return NODES.booleanNode(b);
                        }
                        if (value instanceof Long l) {
                            return NODES.numberNode(l);
                        }
                        if (value instanceof Integer i) {
                            return NODES.numberNode(i);
                        }
                        if (value instanceof Double d) {
                            return NODES.numberNode(d);
                        }
                        if (value instanceof QapiEnum e) {
                            return NODES.textNode(e.wire());
                        }
                        if (value instanceof QapiObject o) {
                            return o.toJson();
                        }
                        if (value instanceof Collection<?> c) {
                            ArrayNode array = NODES.arrayNode(c.size());
                            for (Object element : c) {
                                array.add(write(element));
                            }
                            return array;
                        }
                        if (value instanceof Map<?, ?> m) {
                            ObjectNode object = NODES.objectNode();
                            for (Map.Entry<?, ?> entry : m.entrySet()) {
                                put(object, String.valueOf(entry.getKey()), entry.getValue());
                            }
                            return object;
                        }
                        return Fallback.MAPPER.valueToTree(value);
                    }

                    /** The arguments object of a command: a generated object's members, or JSON given as such. */
                    public static ObjectNode arguments(Object args) {
                        if (args == null) {
                            return object();
                        }
                        if (args instanceof QapiObject o) {
                            return o.toJson();
                        }
                        JsonNode json = write(args);
                        if (!json.isObject()) {
                            throw new IllegalArgumentException("command arguments must be an object, got " + describe(json));
                        }
                        // The caller's JSON is not ours to add members to.
                        return ((ObjectNode) json).deepCopy();
                    }

                    /** Refuses member names a type does not have (building a type from names, not reading QEMU's). */
                    public static void requireKnown(Collection<String> names, Set<String> known, String type) {
                        for (String name : names) {
                            if (!known.contains(name)) {
                                throw new IllegalArgumentException(type + " has no member \\"" + name + "\\" (it has "
                                        + new java.util.TreeSet<>(known) + ")");
                            }
                        }
                    }

                    private static IllegalArgumentException wrong(String expected, JsonNode got) {
                        return new IllegalArgumentException("expected " + expected + ", got " + describe(got));
                    }

                    private static String describe(JsonNode v) {
                        if (v == null) {
                            return "nothing";
                        }
                        String text = v.toString();
                        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
                    }

                    /** Other Java values in extra members (BigInteger, Short, a caller's bean) go through Jackson. */
                    private static final class Fallback {
                        static final ObjectMapper MAPPER = new ObjectMapper();
                    }
                }
                """;
    }
}
