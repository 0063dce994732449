package dev.katajava.shim.process;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** How and when a process ended: its exit code, 128+signal when a signal killed it, 255 when the VM died. */
public record ExitInfo(int status, Instant exitedAt) {
    /** The status reported when the process's fate is unknowable (the VM or the agent connection died). */
    public static final int VM_GONE = 255;

    public Timestamp timestamp() {
        return Timestamp.newBuilder().setSeconds(exitedAt.getEpochSecond()).setNanos(exitedAt.getNano()).build();
    }
}
