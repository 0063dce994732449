package dev.katajava.shim;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The shim's command line in Go's flag syntax, as containerd writes it: {@code -name value},
 * {@code -name=value} or {@code --name}, boolean {@code -debug}/{@code -v}; parsing stops at the first
 * word that is not a flag, which is the action ({@code start} or {@code delete}).
 */
public record ShimFlags(String namespace, String address, String publishBinary, String id, String bundle,
                        boolean debug, boolean version, String action) {

    private static final Set<String> VALUED = Set.of("namespace", "address", "publish-binary", "id", "bundle");
    private static final Set<String> BOOLEAN = Set.of("debug", "v");

    public static ShimFlags parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        boolean debug = false;
        boolean version = false;
        String action = "";
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-")) {
                action = arg;
                break;
            }
            if (arg.equals("--")) {
                action = i + 1 < args.length ? args[i + 1] : "";
                break;
            }
            String name = arg.replaceFirst("^--?", "");
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (BOOLEAN.contains(name)) {
                boolean on = value == null || Boolean.parseBoolean(value);
                if (name.equals("debug")) {
                    debug = on;
                } else {
                    version = on;
                }
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("flag needs an argument: -" + name);
                    }
                    value = args[++i];
                }
                values.put(name, value);
            } else {
                throw new IllegalArgumentException("flag provided but not defined: -" + name);
            }
        }
        return new ShimFlags(values.getOrDefault("namespace", ""), values.getOrDefault("address", ""),
                values.getOrDefault("publish-binary", ""), values.getOrDefault("id", ""),
                values.getOrDefault("bundle", ""), debug, version, action);
    }

    public void requireNamespace() {
        if (namespace.isEmpty()) {
            throw new IllegalArgumentException("shim namespace cannot be empty");
        }
    }
}
