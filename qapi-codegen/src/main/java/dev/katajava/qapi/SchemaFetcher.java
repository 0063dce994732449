package dev.katajava.qapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Asks a QEMU binary for its QAPI schema (query-qmp-schema), so the generated client matches the QEMU the
 * runtime will drive. QEMU runs with no machine and no devices; only its QMP monitor on stdio is used.
 */
final class SchemaFetcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaFetcher() {
    }

    static JsonNode fetch(String qemu) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(qemu, "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "stdio")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            in.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-qmp-schema\",\"id\":\"schema\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line;
            while ((line = out.readLine()) != null) {
                JsonNode msg = JSON.readTree(line);
                if (msg.path("id").asText().equals("schema")) {
                    if (!msg.path("return").isArray()) {
                        throw new IOException(qemu + " refused query-qmp-schema: " + msg);
                    }
                    // quit only now: sent with the query, QEMU may exit before its long answer is written out.
                    in.write("{\"execute\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    return msg.get("return");
                }
            }
            throw new IOException(qemu + " exited without answering query-qmp-schema");
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
