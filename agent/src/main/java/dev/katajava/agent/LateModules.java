package dev.katajava.agent;

import dev.katajava.logging.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The kernel modules kata-init loads in the background while this JVM starts (vsock, 9p, virtio-net and the
 * rest the runtime's devices need): kata-init names a file in {@link #ENV} that it creates once they are
 * in, and the agent waits for it before it opens a channel or serves a request.
 *
 * <p>A file rather than a pipe: a pipe would have to be read with a native call, and the first one links
 * the foreign-function machinery, which this wait must not hold up. By the time {@code main} runs the modules
 * have normally long been loaded, so the first look finds the file.
 */
final class LateModules {
    static final String ENV = "KATA_MODULES_READY";
    private static final Log LOG = Log.of("agent");
    private static final long POLL_MILLIS = 5;

    private LateModules() {
    }

    /**
     * Returns once {@code marker} exists (at once when it is null: nothing loads late), or after {@code limit},
     * with a warning: the agent then goes on with what is loaded, and what is missing fails where it is used.
     */
    static boolean await(String marker, Duration limit) throws InterruptedException {
        if (marker == null || marker.isEmpty()) {
            return true;
        }
        Path file = Path.of(marker);
        long deadline = System.nanoTime() + limit.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() - deadline >= 0) {
                LOG.warn("kernel modules still loading; going on without waiting", "marker", marker,
                        "waited", limit.toString());
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }
}
