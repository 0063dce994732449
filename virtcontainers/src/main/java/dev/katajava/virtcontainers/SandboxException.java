package dev.katajava.virtcontainers;

/** A sandbox could not be created or used; the message says which step failed and why. */
public final class SandboxException extends Exception {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
