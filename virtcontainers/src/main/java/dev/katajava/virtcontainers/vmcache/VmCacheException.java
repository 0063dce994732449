package dev.katajava.virtcontainers.vmcache;

/** The VM cache cannot do what was asked; the message says what and why. */
public final class VmCacheException extends Exception {
    public VmCacheException(String message) {
        super(message);
    }

    public VmCacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
