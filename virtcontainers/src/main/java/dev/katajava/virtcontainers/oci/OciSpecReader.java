package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a bundle's config.json into a JSON tree, with errors that name the file and position. */
public final class OciSpecReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OciSpecReader() {
    }

    public static JsonNode read(Path bundle) throws OciSpecException {
        Path file = bundle.resolve("config.json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OciSpecException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), bytes);
    }

    /** The spec's annotations; the OCI spec makes every value a string, and anything else is refused. */
    public static Map<String, String> annotations(JsonNode spec) throws OciSpecException {
        JsonNode node = spec.path("annotations");
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new OciSpecException("annotations must be an object of strings, got " + node.getNodeType());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new OciSpecException("annotation " + e.getKey() + " must be a string, got " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    public static JsonNode parse(String origin, byte[] json) throws OciSpecException {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new OciSpecException(origin + (loc == null ? "" : ":" + loc.getLineNr() + ":" + loc.getColumnNr())
                    + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new OciSpecException("cannot parse " + origin + ": " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new OciSpecException(origin + ": the OCI spec must be a JSON object");
        }
        return node;
    }
}
