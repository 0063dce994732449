package dev.katajava.shim.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files the shim keeps in the bundle directory, written atomically (temp file + rename) as Kata does. */
public final class BundleFiles {
    public static final String ADDRESS = "address";
    public static final String SHIM_PID = "shim.pid";

    private BundleFiles() {
    }

    public static void writeAtomically(Path bundle, String name, String content) throws IOException {
        Path tmp = bundle.resolve("." + name);
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, bundle.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static String readOrEmpty(Path bundle, String name) {
        try {
            return Files.readString(bundle.resolve(name), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
