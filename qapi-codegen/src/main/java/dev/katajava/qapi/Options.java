package dev.katajava.qapi;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The generator's command line: {@code --name value} pairs, checked for what is required. */
final class Options {
    private Options() {
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: QapiGenerator (--qemu BINARY | --schema FILE) --out DIR"
                        + " --package PKG --client-package PKG; bad argument " + args[i]);
            }
            opts.put(args[i], args[++i]);
        }
        for (String required : List.of("--out", "--package", "--client-package")) {
            if (!opts.containsKey(required)) {
                throw new IllegalArgumentException("QapiGenerator: " + required + " is required");
            }
        }
        if (opts.containsKey("--qemu") == opts.containsKey("--schema")) {
            throw new IllegalArgumentException("QapiGenerator: give exactly one of --qemu and --schema");
        }
        return opts;
    }
}
