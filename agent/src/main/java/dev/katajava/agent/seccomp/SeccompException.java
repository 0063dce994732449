package dev.katajava.agent.seccomp;

/** A seccomp profile that cannot be enforced; the message names the part that is wrong. */
public final class SeccompException extends Exception {
    public SeccompException(String message) {
        super(message);
    }
}
