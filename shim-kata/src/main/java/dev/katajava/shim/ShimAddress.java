package dev.katajava.shim;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The socket a shim serves on: {@code /run/containerd/s/<sha256 of "<address>/<namespace>/<group id>">}. */
public final class ShimAddress {
    public static final Path SOCKET_DIR = Path.of("/run/containerd/s");
    private static final int MAX_SOCKET_PATH = 106;

    private ShimAddress() {
    }

    public static Path socketPath(String containerdAddress, String namespace, String groupId) {
        String joined = Path.of(containerdAddress, namespace, groupId).toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(joined.getBytes(StandardCharsets.UTF_8));
            Path path = SOCKET_DIR.resolve(HexFormat.of().formatHex(digest));
            if (path.toString().length() > MAX_SOCKET_PATH) {
                throw new IllegalStateException("socket path " + path + " is longer than " + MAX_SOCKET_PATH);
            }
            return path;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String uri(Path socket) {
        return "unix://" + socket;
    }

    /** The socket path inside a {@code unix://} address. */
    public static Path fromUri(String uri) {
        if (!uri.startsWith("unix://")) {
            throw new IllegalArgumentException("not a unix:// address: " + uri);
        }
        return Path.of(uri.substring("unix://".length()));
    }
}
