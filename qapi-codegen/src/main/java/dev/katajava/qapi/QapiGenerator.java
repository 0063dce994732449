package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Generates the typed QMP client: {@code QapiGenerator --qemu BINARY | --schema FILE --out DIR --package PKG
 * --client-package PKG}. With --qemu the schema comes from that QEMU (query-qmp-schema) and is also saved as
 * {@code qapi-schema.json} in DIR, for reading.
 */
public final class QapiGenerator {
    private QapiGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Options.parse(args);
        JsonNode schemaJson;
        Path out = Path.of(opts.get("--out"));
        if (opts.containsKey("--qemu")) {
            schemaJson = SchemaFetcher.fetch(opts.get("--qemu"));
            Files.createDirectories(out);
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("qapi-schema.json").toFile(),
                    schemaJson);
        } else {
            schemaJson = new ObjectMapper().readTree(Path.of(opts.get("--schema")).toFile());
        }
        int files = generate(schemaJson, out, opts.get("--package"), opts.get("--client-package"));
        System.out.println("qapi-codegen: " + files + " files in " + out);
    }

    /** Writes the sources under {@code out}; returns how many files. */
    static int generate(JsonNode schemaJson, Path out, String pkg, String clientPackage) throws IOException {
        Schema schema = new Schema(schemaJson);
        TypeNamer namer = new TypeNamer(schema);
        String typesPackage = pkg + ".types";
        JavaTypes types = new JavaTypes(schema, namer, typesPackage, pkg + ".QmpJson");
        Path pkgDir = out.resolve(pkg.replace('.', '/'));
        Path typesDir = out.resolve(typesPackage.replace('.', '/'));
        Files.createDirectories(typesDir);
        TypeEmitter typeEmitter = new TypeEmitter(schema, types, typesPackage, pkg);
        int files = 0;
        for (var named : namer.all().entrySet()) {
            write(typesDir.resolve(named.getValue() + ".java"), typeEmitter.emit(named.getKey(), named.getValue()));
            files++;
        }
        ClientEmitter client = new ClientEmitter(schema, types, pkg, clientPackage);
        write(pkgDir.resolve("QmpCommands.java"), client.commands());
        write(pkgDir.resolve("QmpEvents.java"), client.events());
        JsonSupportEmitter support = new JsonSupportEmitter(pkg);
        write(pkgDir.resolve("QmpJson.java"), support.json());
        write(pkgDir.resolve("QapiObject.java"), support.qapiObject());
        write(pkgDir.resolve("QapiEnum.java"), support.qapiEnum());
        return files + 5;
    }

    private static void write(Path file, String source) throws IOException {
        Files.writeString(file, source, StandardCharsets.UTF_8);
    }
}
