package dev.katajava.virtcontainers.oci;

/** A config.json that cannot be used; the message names the field that is wrong. */
public final class OciSpecException extends Exception {
    public OciSpecException(String message) {
        super(message);
    }

    public OciSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
