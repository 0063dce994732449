package dev.katajava.qapi;

import java.util.Locale;
import java.util.Set;

/** QAPI names (dashes, underscores, dots, leading digits) as Java identifiers. */
final class JavaNames {
    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "record", "var", "yield", "sealed", "permits",
            "hashCode", "toString", "equals", "getClass", "wait", "notify", "notifyAll", "clone", "finalize");

    private JavaNames() {
    }

    /** {@code query-cpus-fast} -> {@code QueryCpusFast}. */
    static String type(String qapi) {
        StringBuilder b = new StringBuilder();
        for (String part : qapi.split("[^A-Za-z0-9]+", -1)) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).toLowerCase(Locale.ROOT));
            }
        }
        String s = b.toString();
        return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "T" + s : s;
    }

    /** {@code qom-type} -> {@code qomType}; keywords and Object's method names get a trailing underscore. */
    static String member(String qapi) {
        StringBuilder b = new StringBuilder();
        for (String part : qapi.split("[^A-Za-z0-9]+", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            b.append(b.isEmpty() ? part.toLowerCase(Locale.ROOT)
                    : Character.toUpperCase(part.charAt(0)) + part.substring(1).toLowerCase(Locale.ROOT));
        }
        String s = b.isEmpty() || Character.isDigit(b.charAt(0)) ? "m" + b : b.toString();
        return KEYWORDS.contains(s) ? s + "_" : s;
    }

    /** {@code internal-error} -> {@code INTERNAL_ERROR}; {@code 9p} -> {@code _9P}. */
    static String constant(String qapi) {
        String s = qapi.replaceAll("[^A-Za-z0-9]+", "_").toUpperCase(Locale.ROOT);
        return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }
}
