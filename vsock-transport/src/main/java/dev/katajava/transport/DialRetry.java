package dev.katajava.transport;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.time.Duration;

/**
 * Repeats one dial attempt until it gives a stream or the time is up: the guest end of every agent channel
 * appears some time after the VMM starts. The pause between attempts grows from 10 to 50 ms: over vsock
 * every attempt costs the booting guest a connection request to refuse, which under emulation is CPU time
 * taken from the boot. The error names the endpoint and the last attempt's reason.
 */
final class DialRetry {
    private static final long FIRST_PAUSE_MS = 10;
    private static final long MAX_PAUSE_MS = 50;

    /** One attempt: a stream, or an IOException saying why not (yet). */
    @FunctionalInterface
    interface Attempt {
        ByteStream dial() throws IOException;
    }

    private DialRetry() {
    }

    static ByteStream until(Duration timeout, String endpoint, Attempt attempt) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_MS;
        while (true) {
            IOException last;
            try {
                return attempt.dial();
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("cannot reach the agent at " + endpoint + " within " + timeout + ": "
                        + last.getMessage(), last);
            }
            try {
                Thread.sleep(pause);
                pause = Math.min(MAX_PAUSE_MS, pause * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to " + endpoint, e);
            }
        }
    }
}
