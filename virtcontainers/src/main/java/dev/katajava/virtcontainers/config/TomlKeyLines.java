package dev.katajava.virtcontainers.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps {@code table.key} to the line it is written on, so that errors found after parsing can still
 * point at a line. Covers the flat tables Kata's configuration uses ({@code [a.b]} then {@code key = value}).
 */
final class TomlKeyLines {
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, Integer> tables = new HashMap<>();

    TomlKeyLines(List<String> text) {
        String table = "";
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && !line.startsWith("[[")) {
                int end = line.indexOf(']');
                if (end > 0) {
                    table = unquote(line.substring(1, end).strip());
                    tables.putIfAbsent(table, i + 1);
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq > 0) {
                String key = unquote(line.substring(0, eq).strip());
                lines.putIfAbsent(table.isEmpty() ? key : table + "." + key, i + 1);
            }
        }
    }

    /** The 1-based line of {@code dottedKey}, or 0 when it is not written in the file. */
    int lineOf(String dottedKey) {
        Integer line = lines.get(dottedKey);
        if (line == null) {
            line = tables.get(dottedKey);
        }
        return line == null ? 0 : line;
    }

    private static String unquote(String s) {
        return s.replace("\"", "").replace("'", "");
    }
}
