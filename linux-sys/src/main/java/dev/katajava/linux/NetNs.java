package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside another network namespace. The namespace is joined by a dedicated platform thread that
 * ends with the task, so no other code ever runs there; what the task creates there (sockets, taps) stays
 * in that namespace for its life, whichever thread uses it later.
 */
public final class NetNs {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Downcall SETNS = Downcall.errno("setns",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /** A task to run in the namespace. */
    @FunctionalInterface
    public interface Task<T> {
        T run() throws Exception;
    }

    private NetNs() {
    }

    /**
     * Runs {@code task} in the network namespace at {@code path} (e.g. {@code /var/run/netns/X} or
     * {@code /proc/PID/ns/net}) and returns its result; its exception is rethrown as is. A path that is not a
     * network namespace fails with an {@link ErrnoException} naming it.
     */
    public static <T> T call(Path path, Task<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns").unstarted(() -> {
            try {
                enter(path);
                result.set(task.run());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    /** Whether {@code path} can be joined as a network namespace (checked by joining it on a throwaway thread). */
    public static void check(Path path) throws Exception {
        call(path, () -> null);
    }

    private static void enter(Path path) throws ErrnoException {
        int fd = Fds.open(path.toString(), Fds.O_RDONLY | Fds.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) SETNS.call(capture, fd, CLONE_NEWNET);
            Libc.check(rc, capture, "setns", path + " (network namespace)");
        } finally {
            Fds.close(fd);
        }
    }
}
