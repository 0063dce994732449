package dev.katajava.logging;

/**
 * A string as a JSON string literal: quotes, backslashes and control characters escaped. logfmt values
 * are quoted the same way, and so is the state JSON the guest hands to OCI hooks.
 */
public final class JsonString {
    private JsonString() {
    }

    /** Appends {@code value} to {@code sb} between double quotes, escaped. */
    public static StringBuilder append(StringBuilder sb, String value) {
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    public static String quote(String value) {
        return append(new StringBuilder(value.length() + 2), value).toString();
    }
}
