package dev.katajava.shim.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Ends the daemon when containerd removes the bundle it was started in. containerd removes a bundle only once
 * it is done with the task, or has given up on the shim (it could not load it after a restart, say); a
 * daemon left serving then would keep its VM for ever, with nobody to ask it to stop.
 */
final class BundleWatch {
    static final Duration PERIOD = Duration.ofSeconds(1);

    private BundleWatch() {
    }

    /** Calls {@code gone} once, from a daemon thread, after {@code bundle}'s config.json has disappeared. */
    static void start(Path bundle, Runnable gone) {
        Path spec = bundle.resolve("config.json");
        Thread.ofPlatform().daemon().name("bundle-watch").start(() -> {
            try {
                while (Files.exists(spec)) {
                    Thread.sleep(PERIOD);
                }
                gone.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
