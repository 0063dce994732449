package dev.katajava.virtcontainers.config;

/** A configuration file that cannot be used; the message names the file, and where known the key and line. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
