package dev.katajava.virtcontainers.network;

import dev.katajava.logging.Log;

/**
 * Follows a pod's namespace for the sandbox's life: every change (an interface, address or route added) is
 * handed to {@code onChange}, which connects what is new. Docker and some CNI setups configure the namespace
 * after the container started; those interfaces are hot-plugged this way.
 */
public final class NetworkWatch {
    private static final Log LOG = Log.of("network");
    private static final int POLL_MILLIS = 500;

    /** What to do on a change. */
    @FunctionalInterface
    public interface OnChange {
        void changed() throws Exception;
    }

    private final Thread thread;
    private volatile boolean stopped;

    private NetworkWatch(String sandboxId, PodNetwork network, OnChange onChange) {
        // A platform thread: it blocks in poll(2), which would pin a virtual thread's carrier.
        this.thread = Thread.ofPlatform().daemon().name("netns-watch-" + sandboxId).unstarted(() -> {
            while (!stopped) {
                try {
                    if (network.awaitChange(POLL_MILLIS) && !stopped) {
                        onChange.changed();
                    }
                } catch (Exception e) {
                    if (!stopped) {
                        LOG.warn("network change not applied", "sandbox", sandboxId, "error", e.getMessage());
                    }
                }
            }
        });
    }

    /** Starts watching; a network that watches nothing gets no thread. */
    public static NetworkWatch start(String sandboxId, PodNetwork network, OnChange onChange) {
        NetworkWatch w = new NetworkWatch(sandboxId, network, onChange);
        if (network.watches()) {
            w.thread.start();
        }
        return w;
    }

    /** Stops watching and waits for the thread to end. */
    public void stop() {
        stopped = true;
        if (thread.isAlive()) {
            try {
                thread.join(POLL_MILLIS * 4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
