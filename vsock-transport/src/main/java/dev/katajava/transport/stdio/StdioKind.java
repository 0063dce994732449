package dev.katajava.transport.stdio;

/** Which of a process's standard streams a direct stdio connection carries, with its code on the wire. */
public enum StdioKind {
    STDIN(0), STDOUT(1), STDERR(2);

    private final int code;

    StdioKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind for {@code code}; null when it names none. */
    public static StdioKind ofCode(int code) {
        for (StdioKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
