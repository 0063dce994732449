package dev.katajava.qemu.qmp;

import java.io.IOException;

/** A QMP command that QEMU refused ({@code errorClass} and {@code desc} as QEMU sent them), or a dead connection. */
public final class QmpException extends IOException {
    private final String errorClass;

    public QmpException(String errorClass, String message) {
        super(message);
        this.errorClass = errorClass;
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
        this.errorClass = "";
    }

    public String errorClass() {
        return errorClass;
    }
}
