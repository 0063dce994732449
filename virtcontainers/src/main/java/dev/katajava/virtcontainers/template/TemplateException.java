package dev.katajava.virtcontainers.template;

/** A template could not be made or removed; the message says what and why. */
public final class TemplateException extends Exception {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
