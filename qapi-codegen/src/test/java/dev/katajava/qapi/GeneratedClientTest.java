package dev.katajava.qapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generates a client from a small schema in the introspection format, compiles it against a stand-in QMP
 * client, and calls it: the generated code must compile, send the right arguments and type the answers.
 */
class GeneratedClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            [
             {"name":"query-status","meta-type":"command","arg-type":"0","ret-type":"1"},
             {"name":"cont","meta-type":"command","arg-type":"0","ret-type":"0"},
             {"name":"device_add","meta-type":"command","arg-type":"2","ret-type":"0"},
             {"name":"query-cpus-fast","meta-type":"command","arg-type":"0","ret-type":"[3]"},
             {"name":"migrate-set-capabilities","meta-type":"command","arg-type":"9","ret-type":"0"},
             {"name":"SHUTDOWN","meta-type":"event","arg-type":"4"},
             {"name":"POWERDOWN","meta-type":"event","arg-type":"0"},
             {"name":"0","meta-type":"object","members":[]},
             {"name":"1","meta-type":"object","members":[{"name":"running","type":"bool"},{"name":"status","type":"5"}]},
             {"name":"2","meta-type":"object","members":[{"name":"driver","type":"str"},
                                                        {"name":"id","type":"str","default":null}]},
             {"name":"3","meta-type":"object","tag":"target","members":[{"name":"cpu-index","type":"int"},
                 {"name":"target","type":"6"},{"name":"props","type":"7"}],
              "variants":[{"case":"s390x","type":"8"},{"case":"x86_64","type":"0"}]},
             {"name":"[3]","meta-type":"array","element-type":"3"},
             {"name":"4","meta-type":"object","members":[{"name":"guest","type":"bool"},{"name":"reason","type":"str"}]},
             {"name":"5","meta-type":"enum","values":["running","paused","internal-error"]},
             {"name":"6","meta-type":"enum","values":["x86_64","s390x"]},
             {"name":"7","meta-type":"object","members":[{"name":"core-id","type":"int","default":null},
                                                        {"name":"node","type":"7","default":null}]},
             {"name":"8","meta-type":"object","members":[{"name":"cpu-state","type":"str"}]},
             {"name":"9","meta-type":"object","members":[{"name":"capabilities","type":"[10]"}]},
             {"name":"[10]","meta-type":"array","element-type":"10"},
             {"name":"10","meta-type":"object","members":[{"name":"capability","type":"6"},{"name":"state","type":"bool"},
                 {"name":"limit","type":"int","default":null}]},
             {"name":"bool","meta-type":"builtin","json-type":"boolean"},
             {"name":"str","meta-type":"builtin","json-type":"string"},
             {"name":"int","meta-type":"builtin","json-type":"int"}
            ]
            """;
    private static final String STAND_IN_CLIENT = """
            package stand.in;
            import com.fasterxml.jackson.databind.JsonNode;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;
            public final class QmpClient {
                public final List<String> sent = new ArrayList<>();
                public JsonNode answer;
                public JsonNode execute(String command, JsonNode arguments, Duration timeout) {
                    sent.add(command + " " + arguments);
                    return answer;
                }
            }
            """;
    private static final String STAND_IN_EXCEPTION = """
            package stand.in;
            public final class QmpException extends java.io.IOException {
                public QmpException(String message, Throwable cause) { super(message, cause); }
            }
            """;

    @TempDir
    static Path dir;
    static ClassLoader loader;

    @BeforeAll
    static void generateAndCompile() throws Exception {
        Path src = dir.resolve("src");
        QapiGenerator.generate(JSON.readTree(SCHEMA), src, "gen.qmp", "stand.in");
        Files.createDirectories(src.resolve("stand/in"));
        Files.writeString(src.resolve("stand/in/QmpClient.java"), STAND_IN_CLIENT);
        Files.writeString(src.resolve("stand/in/QmpException.java"), STAND_IN_EXCEPTION);
        List<String> args = new ArrayList<>(List.of("-d", dir.resolve("classes").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xlint:none"));
        try (Stream<Path> files = Files.walk(src)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("generated code compiles").isZero();
        // Jackson comes from the test's own loader, so JSON values pass between test and generated code.
        loader = new URLClassLoader(new URL[] {dir.resolve("classes").toUri().toURL()},
                GeneratedClientTest.class.getClassLoader());
    }

    private static Object client(String answer) throws Exception {
        Object client = loader.loadClass("stand.in.QmpClient").getConstructor().newInstance();
        client.getClass().getField("answer").set(client, answer == null ? null : JSON.readTree(answer));
        return client;
    }

    private static Object commands(Object client) throws Exception {
        return loader.loadClass("gen.qmp.QmpCommands").getConstructor(client.getClass()).newInstance(client);
    }

    @SuppressWarnings("unchecked")
    private static List<String> sent(Object client) throws Exception {
        return (List<String>) client.getClass().getField("sent").get(client);
    }

    private static Object call(Object target, String method, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw (Exception) e.getCause();
                }
            }
        }
        throw new AssertionError("no method " + method + " with " + args.length + " parameters");
    }

    @Test
    void aCommandsAnswerIsTypedAndUnknownEnumValuesReadAsUnknown() throws Exception {
        Object client = client("{\"running\":true,\"status\":\"running\",\"singlestep\":false}");
        Object status = call(commands(client), "queryStatus", Duration.ofSeconds(1));

        assertThat(call(status, "running")).isEqualTo(true);
        assertThat(call(status, "status").toString()).isEqualTo("RUNNING");
        assertThat(sent(client)).containsExactly("query-status null");

        Object later = call(commands(client("{\"running\":false,\"status\":\"colo\"}")), "queryStatus",
                Duration.ofSeconds(1));
        assertThat(call(later, "status").toString()).isEqualTo("UNKNOWN_VALUE");
    }

    @Test
    void argumentsAreSentUnderTheirQapiNamesWithExtraMembersAndWithoutAbsentOnes() throws Exception {
        Object client = client("{}");
        Class<?> argsType = loader.loadClass("gen.qmp.types.DeviceAddArgs");
        Object args = argsType.getConstructors()[0].newInstance("virtio-9p-pci", null);

        call(commands(client), "deviceAdd", args, Map.of("core-id", 3), Duration.ofSeconds(1));

        assertThat(JSON.readTree(sent(client).getFirst().substring("device_add ".length())))
                .isEqualTo(JSON.readTree("{\"driver\":\"virtio-9p-pci\",\"core-id\":3}"));
    }

    @Test
    void objectsBuiltFromMemberNamesRefuseNamesTheSchemaLacks() throws Exception {
        Class<?> argsType = loader.loadClass("gen.qmp.types.DeviceAddArgs");
        Method of = argsType.getMethod("of", Map.class);

        Object args = of.invoke(null, Map.of("driver", "pc-dimm", "id", "dimm0"));
        assertThat(call(args, "driver")).isEqualTo("pc-dimm");
        assertThatThrownBy(() -> {
            try {
                of.invoke(null, Map.of("driver", "pc-dimm", "bogus", 1));
            } catch (InvocationTargetException e) {
                throw (Exception) e.getCause();
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bogus");
    }

    @Test
    void listAnswersAndUnionVariantsAndRecursiveTypesAreTyped() throws Exception {
        Object client = client("[{\"cpu-index\":0,\"target\":\"x86_64\",\"props\":{\"core-id\":0}},"
                + "{\"cpu-index\":1,\"target\":\"s390x\",\"cpu-state\":\"operating\",\"props\":{\"node\":{\"core-id\":5}}}]");

        List<?> cpus = (List<?>) call(commands(client), "queryCpusFast", Duration.ofSeconds(1));

        assertThat(cpus).hasSize(2);
        assertThat(call(cpus.get(0), "cpuIndex")).isEqualTo(0L);
        assertThat(call(cpus.get(1), "cpuState")).isEqualTo("operating");
        assertThat(call(call(call(cpus.get(1), "props"), "node"), "coreId")).isEqualTo(5L);
    }

    @Test
    void anAnswerOfTheWrongShapeIsAQmpErrorNamingTheCommand() throws Exception {
        Object client = client("{\"running\":\"maybe\",\"status\":[1]}");

        assertThatThrownBy(() -> call(commands(client), "queryStatus", Duration.ofSeconds(1)))
                .hasMessageContaining("query-status").hasMessageContaining("unexpected answer");
    }

    @Test
    void eventsHaveNamesAndTypedData() throws Exception {
        Class<?> events = loader.loadClass("gen.qmp.QmpEvents");
        assertThat(events.getField("SHUTDOWN").get(null)).isEqualTo("SHUTDOWN");
        JsonNode shutdown = JSON.readTree("{\"event\":\"SHUTDOWN\",\"data\":{\"guest\":true,\"reason\":\"guest-shutdown\"}}");

        Optional<?> data = (Optional<?>) events.getMethod("shutdown", JsonNode.class).invoke(null, shutdown);
        Optional<?> other = (Optional<?>) events.getMethod("shutdown", JsonNode.class)
                .invoke(null, JSON.readTree("{\"event\":\"RESET\"}"));

        assertThat(call(data.orElseThrow(), "reason")).isEqualTo("guest-shutdown");
        assertThat(other).isEmpty();
    }

    private static Object enumValue(String type, String constant) throws Exception {
        return loader.loadClass("gen.qmp.types." + type).getField(constant).get(null);
    }

    private static Object capabilities(Object capability, Boolean state) throws Exception {
        Class<?> cap = loader.loadClass("gen.qmp.types.MigrateSetCapabilitiesArgsCapabilities");
        Object one = cap.getConstructors()[0].newInstance(capability, state, null);
        return loader.loadClass("gen.qmp.types.MigrateSetCapabilitiesArgs").getConstructors()[0]
                .newInstance(List.of(one));
    }

    @Test
    void nestedArgumentsAreWrittenWithQapiEnumNamesAndWithoutAbsentMembers() throws Exception {
        Object client = client("{}");

        call(commands(client), "migrateSetCapabilities", capabilities(enumValue("QueryCpusFastResultTarget",
                "S390X"), true), Map.of("extra", Map.of("list", List.of(1L, "two"))), Duration.ofSeconds(1));

        assertThat(JSON.readTree(sent(client).getFirst().substring("migrate-set-capabilities ".length())))
                .isEqualTo(JSON.readTree("{\"capabilities\":[{\"capability\":\"s390x\",\"state\":true}],"
                        + "\"extra\":{\"list\":[1,\"two\"]}}"));
    }

    @Test
    void anUnknownEnumValueIsRefusedInsteadOfSent() throws Exception {
        Object client = client("{}");
        Object args = capabilities(enumValue("QueryCpusFastResultTarget", "UNKNOWN_VALUE"), true);

        assertThatThrownBy(() -> call(commands(client), "migrateSetCapabilities", args, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("UNKNOWN_VALUE");
        assertThat(sent(client)).isEmpty();
    }

    @Test
    void aMemberOfTheWrongTypeIsNamedWithItsPlaceInTheAnswer() throws Exception {
        Object client = client("[{\"cpu-index\":0,\"target\":\"x86_64\"},{\"cpu-index\":\"one\",\"target\":\"x86_64\"}]");

        assertThatThrownBy(() -> call(commands(client), "queryCpusFast", Duration.ofSeconds(1)))
                .hasMessageContaining("query-cpus-fast").hasMessageContaining("[1]")
                .hasMessageContaining("member \"cpu-index\": expected an integer, got \"one\"");
    }

    @Test
    void unsignedIntegersAboveLongMaxKeepTheir64BitsAndLargerOnesAreRefused() throws Exception {
        List<?> cpus = (List<?>) call(commands(client("[{\"cpu-index\":18446744073709551615}]")), "queryCpusFast",
                Duration.ofSeconds(1));
        assertThat(call(cpus.getFirst(), "cpuIndex")).isEqualTo(-1L);

        assertThatThrownBy(() -> call(commands(client("[{\"cpu-index\":18446744073709551616}]")), "queryCpusFast",
                Duration.ofSeconds(1))).hasMessageContaining("expected a 64-bit integer");
    }

    @Test
    void anAbsentOrNullAnswerMemberReadsAsNullAndAnAnswerThatIsNoObjectIsRefused() throws Exception {
        Object status = call(commands(client("{\"running\":null}")), "queryStatus", Duration.ofSeconds(1));
        assertThat(call(status, "running")).isNull();
        assertThat(call(status, "status")).isNull();

        assertThatThrownBy(() -> call(commands(client("[true]")), "queryStatus", Duration.ofSeconds(1)))
                .hasMessageContaining("QueryStatusResult: expected an object, got [true]");
    }

    @Test
    void objectsBuiltFromMemberNamesRefuseValuesOfTheWrongType() throws Exception {
        Method of = loader.loadClass("gen.qmp.types.DeviceAddArgs").getMethod("of", Map.class);

        assertThatThrownBy(() -> {
            try {
                of.invoke(null, Map.of("driver", 5));
            } catch (InvocationTargetException e) {
                throw (Exception) e.getCause();
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member \"driver\": expected a string");
    }

    @Test
    void eventDataOfTheWrongShapeIsRefused() throws Exception {
        Method shutdown = loader.loadClass("gen.qmp.QmpEvents").getMethod("shutdown", JsonNode.class);

        assertThatThrownBy(() -> {
            try {
                shutdown.invoke(null, JSON.readTree("{\"event\":\"SHUTDOWN\",\"data\":{\"guest\":\"yes\"}}"));
            } catch (InvocationTargetException e) {
                throw (Exception) e.getCause();
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member \"guest\": expected true or false");
    }
}
