package dev.katajava.tests.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A bundle spec for {@code ctr run --config}: containerd's own default spec (what ctr run would make) on a
 * root filesystem of busybox alone, for what ctr has no flag for (hooks, sysctls, ...).
 */
public final class CustomSpec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> APPLETS = List.of("sh", "cat", "echo", "sleep", "ls", "touch", "grep");

    private CustomSpec() {
    }

    /** A fresh root filesystem under {@code dir}. */
    public static Path rootfs(Path dir, String name) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name + "-rootfs"));
        for (String d : List.of("bin", "dev", "proc", "sys", "tmp", "etc")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        return root;
    }

    /**
     * Writes {@code dir/name.json}: the default spec with {@code root}, {@code sh -c script} as the process
     * (PATH=/bin) and whatever {@code edit} changes.
     */
    public static Path write(PrivateContainerd containerd, Path dir, String name, Path root, String script,
                             Consumer<ObjectNode> edit) throws Exception {
        Commands.Result defaults = containerd.ctr(List.of("oci", "spec"), Duration.ofSeconds(30));
        if (defaults.exitCode() != 0) {
            throw new AssertionError("ctr oci spec failed: " + defaults.describe());
        }
        ObjectNode spec = (ObjectNode) JSON.readTree(defaults.stdout());
        spec.putObject("root").put("path", root.toString());
        ObjectNode process = (ObjectNode) spec.path("process");
        process.putArray("args").add("/bin/sh").add("-c").add(script);
        process.putArray("env").add("PATH=/bin");
        edit.accept(spec);
        return Files.writeString(dir.resolve(name + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(spec));
    }
}
