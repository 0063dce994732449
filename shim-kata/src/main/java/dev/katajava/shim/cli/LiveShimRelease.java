package dev.katajava.shim.cli;

import com.google.protobuf.Empty;
import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.protocols.task.DeleteRequest;
import dev.katajava.protocols.task.DeleteResponse;
import dev.katajava.protocols.task.KillRequest;
import dev.katajava.protocols.task.ShutdownRequest;
import dev.katajava.protocols.task.StateRequest;
import dev.katajava.protocols.task.StateResponse;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The delete action's work when the container's daemon still answers. containerd runs delete after a normal
 * deletion, when the daemon has already released the container, but also when it gave up on a daemon it
 * could not load (restarted while the daemon was starting, say): then nobody else will ever ask that daemon
 * to let go. So the container is force-deleted if the daemon still has it, and the daemon is asked to shut
 * down, which it does only once it serves no container (a pod's other members keep it).
 */
final class LiveShimRelease {
    private static final String TASK = "containerd.task.v2.Task";
    private static final Duration CALL = Duration.ofSeconds(3);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);
    private static final int SIGKILL = 9;

    private LiveShimRelease() {
    }

    static void release(Path socket, String id) throws IOException, InterruptedException {
        try (TtrpcClient shim = TtrpcClient.connect(socket)) {
            StateResponse state = state(shim, id);
            if (state != null) {
                if (state.getStatus() == Status.RUNNING || state.getStatus() == Status.PAUSED) {
                    shim.call(TASK, "Kill", KillRequest.newBuilder().setId(id).setSignal(SIGKILL).setAll(true).build(),
                            Empty.parser(), CALL);
                    awaitStopped(shim, id);
                }
                shim.call(TASK, "Delete", DeleteRequest.newBuilder().setId(id).build(), DeleteResponse.parser(), CALL);
            }
            shim.call(TASK, "Shutdown", ShutdownRequest.newBuilder().setId(id).build(), Empty.parser(), CALL);
        } catch (TtrpcException e) {
            throw new IOException("the shim daemon at " + socket + " answered: " + e.getMessage(), e);
        }
    }

    /** The container's state in the daemon, or null when the daemon has no such container. */
    private static StateResponse state(TtrpcClient shim, String id) throws IOException, TtrpcException {
        try {
            return shim.call(TASK, "State", StateRequest.newBuilder().setId(id).build(), StateResponse.parser(), CALL);
        } catch (TtrpcException e) {
            if (e.code() == Code.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private static void awaitStopped(TtrpcClient shim, String id)
            throws IOException, TtrpcException, InterruptedException {
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            StateResponse s = state(shim, id);
            if (s == null || s.getStatus() == Status.STOPPED) {
                return;
            }
            Thread.sleep(50);
        }
    }
}
