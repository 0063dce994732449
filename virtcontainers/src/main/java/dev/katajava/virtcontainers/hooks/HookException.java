package dev.katajava.virtcontainers.hooks;

/** A hook that could not be run, failed or timed out; the message names it and quotes its output. */
public final class HookException extends Exception {
    public HookException(String message) {
        super(message);
    }

    public HookException(String message, Throwable cause) {
        super(message, cause);
    }
}
