package dev.katajava.qemu.qmp;

import java.io.IOException;

/**
 * A QMP command that failed: either QEMU refused it ({@link #errorClass()} and {@link #desc()} as QEMU
 * sent them, e.g. {@code GenericError}, {@code CommandNotFound}), or the connection failed or timed out
 * (then {@link #errorClass()} is empty).
 */
public final class QmpException extends IOException {
    private final String errorClass;
    private final String desc;

    /** QEMU's error reply to {@code command}. */
    public static QmpException refused(String command, String errorClass, String desc) {
        return new QmpException(command + ": " + errorClass + ": " + desc, errorClass, desc, null);
    }

    /** The command could not be completed for a reason of the connection, not of QEMU's judgement. */
    public QmpException(String message, Throwable cause) {
        this(message, "", "", cause);
    }

    public QmpException(String message) {
        this(message, "", "", null);
    }

    private QmpException(String message, String errorClass, String desc, Throwable cause) {
        super(message, cause);
        this.errorClass = errorClass;
        this.desc = desc;
    }

    /** QEMU's error class, or empty when QEMU did not answer with an error. */
    public String errorClass() {
        return errorClass;
    }

    /** QEMU's human-readable description of the error, or empty. */
    public String desc() {
        return desc;
    }

    /** Whether QEMU answered with an error (rather than the connection failing). */
    public boolean refusedByQemu() {
        return !errorClass.isEmpty();
    }
}
