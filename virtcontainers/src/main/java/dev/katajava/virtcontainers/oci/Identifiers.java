package dev.katajava.virtcontainers.oci;

import java.util.regex.Pattern;

/**
 * Container, exec and sandbox ids become path components on the host and in the guest, so only a safe
 * alphabet is accepted (the one containerd's identifiers and runc's container ids allow).
 */
public final class Identifiers {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");

    private Identifiers() {
    }

    public static String requireValid(String what, String id) throws OciSpecException {
        if (id == null || !VALID.matcher(id).matches() || id.contains("..")) {
            throw new OciSpecException("invalid " + what + " \"" + (id == null ? "" : id.replace("\n", "\\n"))
                    + "\": use 1-128 letters, digits, '_', '.', '+' or '-', starting with a letter or digit");
        }
        return id;
    }
}
