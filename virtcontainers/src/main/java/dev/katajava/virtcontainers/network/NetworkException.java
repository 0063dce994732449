package dev.katajava.virtcontainers.network;

/** The pod's network cannot be joined to the VM; the message names the namespace, device and step. */
public final class NetworkException extends Exception {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
