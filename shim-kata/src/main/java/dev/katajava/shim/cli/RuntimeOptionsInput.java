package dev.katajava.shim.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The runtime options containerd writes to the start action's stdin (a protobuf Any, the same that Create
 * carries later), or nothing when containerd has none and gives /dev/null. A terminal is never read: a
 * person starting the shim by hand would otherwise wait on it.
 */
public final class RuntimeOptionsInput {
    private static final int MAX_BYTES = 1 << 20;
    private static final Path STDIN = Path.of("/proc/self/fd/0");

    private RuntimeOptionsInput() {
    }

    public static byte[] read() {
        try {
            String target = Files.readSymbolicLink(STDIN).toString();
            if (!target.startsWith("pipe:") && !Files.isRegularFile(STDIN)) {
                return new byte[0];
            }
        } catch (IOException | UnsupportedOperationException e) {
            return new byte[0];
        }
        return readBounded(System.in);
    }

    static byte[] readBounded(InputStream in) {
        try {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            return bytes.length > MAX_BYTES ? new byte[0] : bytes;
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
