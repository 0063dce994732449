package dev.katajava.linux;

import java.io.IOException;

/** A failed system call: the call's name, its errno and the kernel's text for it. */
public final class ErrnoException extends IOException {
    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno, String detail) {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")" + (detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
