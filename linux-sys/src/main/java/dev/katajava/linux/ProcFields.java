package dev.katajava.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numeric {@code Key: value [kB]} lines of procfs files such as {@code /proc/meminfo} and
 * {@code /proc/<pid>/status}, in file order, with kB values turned into bytes. Lines whose value is not a
 * single number (names, states, masks, id lists) are left out.
 */
public final class ProcFields {
    private ProcFields() {
    }

    public static Map<String, Long> read(Path file) throws IOException {
        return parse(Files.readAllLines(file));
    }

    static Map<String, Long> parse(List<String> lines) {
        Map<String, Long> fields = new LinkedHashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String[] value = line.substring(colon + 1).strip().split("\\s+", -1);
            boolean kib = value.length == 2 && value[1].equals("kB");
            if (value.length != 1 && !kib) {
                continue;
            }
            try {
                long n = Long.parseLong(value[0]);
                fields.put(line.substring(0, colon).strip(), kib ? Math.multiplyExact(n, 1024L) : n);
            } catch (NumberFormatException | ArithmeticException e) {
                // Not a plain number (a mask or a ratio): not a figure to report.
            }
        }
        return Collections.unmodifiableMap(fields);
    }
}
