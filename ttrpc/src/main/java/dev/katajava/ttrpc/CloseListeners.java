package dev.katajava.ttrpc;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** Listeners that run exactly once, when a connection ends; one added after the end runs at once. */
final class CloseListeners {
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean fired;

    void add(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        // Whichever of add() and fire() comes second runs it; remove() decides who gets to.
        if (fired && listeners.remove(listener)) {
            listener.run();
        }
    }

    /** Runs every listener; one that throws does not stop the rest, and its exception is rethrown after. */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // concurrent collection; remove() decides who runs it
    void fire() {
        fired = true;
        RuntimeException failure = null;
        for (Runnable listener : listeners) {
            if (!listeners.remove(listener)) {
                continue;
            }
            try {
                listener.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
