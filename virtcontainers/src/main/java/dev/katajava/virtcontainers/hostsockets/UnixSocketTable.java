package dev.katajava.virtcontainers.hostsockets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The type of each bound Unix socket in this network namespace, from /proc/net/unix: the only way to tell a
 * SOCK_SEQPACKET or SOCK_DGRAM socket file from a stream one without connecting to it.
 */
final class UnixSocketTable {
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_SEQPACKET = 5;

    private UnixSocketTable() {
    }

    /** Socket path to type; empty when the table cannot be read. Abstract names (starting '@') are left out. */
    static Map<String, Integer> read(Path table) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return Map.of();
        }
        Map<String, Integer> types = new HashMap<>();
        // Num RefCount Protocol Flags Type St Inode Path
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+", 8);
            if (f.length < 8 || !f[7].startsWith("/")) {
                continue;
            }
            try {
                types.putIfAbsent(f[7], Integer.parseInt(f[4], 16));
            } catch (NumberFormatException e) {
                // A line this parser does not know: it only ever helps, so skip it.
            }
        }
        return types;
    }

    static String typeName(int type) {
        return switch (type) {
            case SOCK_STREAM -> "SOCK_STREAM";
            case SOCK_DGRAM -> "SOCK_DGRAM";
            case SOCK_SEQPACKET -> "SOCK_SEQPACKET";
            default -> "type " + type;
        };
    }
}
