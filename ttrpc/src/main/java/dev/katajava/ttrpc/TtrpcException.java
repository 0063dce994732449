package dev.katajava.ttrpc;

/** A failed call: the status code and message that travel on the wire. */
public class TtrpcException extends Exception {
    private final Code code;

    public TtrpcException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public TtrpcException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    @Override
    @SuppressWarnings("OverrideThrowableToString") // getMessage() stays the peer's text; only the rendering adds the code
    public String toString() {
        return "ttrpc " + code + ": " + getMessage();
    }
}
