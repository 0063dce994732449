package dev.katajava.agent.container;

/** A container operation that failed; the message names the step and the cause. */
public final class ContainerException extends Exception {
    public ContainerException(String message) {
        super(message);
    }

    public ContainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
