package dev.katajava.agent.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/** x86-64 system call numbers by name, from the table the build extracts from the C library's headers. */
public final class SyscallTable {
    private static final String RESOURCE = "syscalls-x86_64";
    private static final Map<String, Integer> NUMBERS = load();

    private SyscallTable() {
    }

    public static OptionalInt number(String name) {
        Integer n = NUMBERS.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    private static Map<String, Integer> load() {
        Map<String, Integer> numbers = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("system call table " + RESOURCE + " is missing from the agent");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = lines.readLine()) != null) {
                int space = line.indexOf(' ');
                numbers.put(line.substring(0, space), Integer.parseInt(line.substring(space + 1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(numbers);
    }
}
