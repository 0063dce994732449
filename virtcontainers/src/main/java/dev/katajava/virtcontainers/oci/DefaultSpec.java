package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The spec containerd writes for {@code ctr run busybox sh -c 'echo training'}: the shape of every plain
 * container start, for the runs that load and compile the container path ahead of the real ones (the
 * shim's AOT training, the VM template's training container).
 */
public final class DefaultSpec {
    private static final String RESOURCE = "default-config.json";

    private DefaultSpec() {
    }

    /** The spec as the shim reads a bundle's config.json. */
    public static JsonNode tree() throws OciSpecException {
        return OciSpecReader.parse(RESOURCE, configJson());
    }

    /** The config.json bytes. */
    public static byte[] configJson() {
        try (InputStream in = DefaultSpec.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the runtime's classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
