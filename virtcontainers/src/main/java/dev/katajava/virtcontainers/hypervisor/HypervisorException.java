package dev.katajava.virtcontainers.hypervisor;

/** The VM could not be started or controlled; the message says what failed and why. */
public class HypervisorException extends Exception {
    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
