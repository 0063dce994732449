package dev.katajava.agent.container;

/**
 * A container operation that failed; the message names the step and the cause, the kind says whose fault
 * it is (it becomes the status code the runtime sees, and containerd acts on some of them: a NOT_FOUND
 * from a kill or delete means "already gone").
 */
public final class ContainerException extends Exception {
    public enum Kind {
        /** The request or the spec is wrong; retrying it unchanged cannot succeed. */
        INVALID,
        NOT_FOUND,
        ALREADY_EXISTS,
        /** The container or process is not in a state that allows the operation. */
        WRONG_STATE,
        /** Setting up or running the process failed. */
        FAILED
    }

    private final Kind kind;

    public ContainerException(String message) {
        this(Kind.FAILED, message, null);
    }

    public ContainerException(String message, Throwable cause) {
        this(cause instanceof ContainerException ce ? ce.kind : Kind.FAILED, message, cause);
    }

    public ContainerException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static ContainerException invalid(String message) {
        return new ContainerException(Kind.INVALID, message, null);
    }

    public static ContainerException notFound(String message) {
        return new ContainerException(Kind.NOT_FOUND, message, null);
    }

    public static ContainerException alreadyExists(String message) {
        return new ContainerException(Kind.ALREADY_EXISTS, message, null);
    }

    public static ContainerException wrongState(String message) {
        return new ContainerException(Kind.WRONG_STATE, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
