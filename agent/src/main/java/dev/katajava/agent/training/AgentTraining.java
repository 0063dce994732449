package dev.katajava.agent.training;

import dev.katajava.agent.AgentMain;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.linux.VsockSockets;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.transport.FdByteStream;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The AOT cache's training run (guest-image/build.sh runs it at image build time, in a chroot of the guest
 * tree inside fresh namespaces): the agent's real ttrpc server and RPC handlers, served over a Unix socket
 * accepted through the same FFM calls the vsock channel makes, driven by an in-process client with the
 * requests of a container start: each round the ones the agent must refuse, then a container that really
 * runs ({@link TrainingContainerRun}) where the build host allows it. Exits non-zero when the agent did not
 * answer, so no cache is kept.
 *
 * <p>Usage: {@code AgentTraining SOCKET}
 */
public final class AgentTraining {
    private static final Log LOG = Log.of("training");
    private static final int ROUNDS = 3;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private AgentTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AgentTraining SOCKET");
            System.exit(2);
        }
        Log.configure(System.err, Level.INFO);
        System.exit(run(Path.of(args[0])) ? 0 : 1);
    }

    static boolean run(Path socket) throws IOException, InterruptedException {
        TtrpcServer server = AgentMain.server();
        Files.deleteIfExists(socket);
        int listenFd = UnixSockets.listen(socket, 1);
        // A daemon: if the client never connects, the accept it blocks in must not keep the JVM alive.
        Thread serving = Thread.ofPlatform().name("agent-connection").daemon(true)
                .start(() -> serveOne(server, listenFd));
        try (TtrpcClient client = new TtrpcClient(new FdByteStream(UnixSockets.connect(socket)))) {
            if (!drive(client)) {
                return false;
            }
        } finally {
            server.close();
            Files.deleteIfExists(socket);
        }
        serving.join();
        Fds.close(listenFd);
        return true;
    }

    /** The agent's side: accept4 through VsockSockets, as VsockChannel does, then serve until the end. */
    private static void serveOne(TtrpcServer server, int listenFd) {
        try {
            server.serve(new FdByteStream(VsockSockets.accept(listenFd)));
        } catch (ErrnoException e) {
            LOG.warn("training connection not accepted", "error", e.getMessage());
        } catch (IOException e) {
            LOG.warn("training connection failed", "error", e.getMessage());
        }
    }

    private static boolean drive(TtrpcClient client) {
        int calls = 0;
        int refused = 0;
        int containersRun = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (TrainingRequests.Call c : TrainingRequests.script("aot-training", "aot-training-" + round)) {
                calls++;
                if (!call(client, c)) {
                    if (c.mustSucceed()) {
                        return false;
                    }
                    refused++;
                }
            }
            String problem = new TrainingContainerRun(client, "aot-training-run-" + round).run(round % 2 == 1);
            if (problem == null) {
                containersRun++;
            } else {
                LOG.warn("training container did not run", "round", round, "reason", problem);
            }
            calls++;
            if (!call(client, TrainingRequests.destroySandbox())) {
                return false;
            }
        }
        LOG.info("training done", "calls", calls, "refused", refused, "containers_run", containersRun);
        return true;
    }

    /** One call of the script; false when the agent refused it (logged when it had to succeed). */
    private static boolean call(TtrpcClient client, TrainingRequests.Call c) {
        try {
            client.call(c.service(), c.method(), c.request().toByteArray(), CALL_TIMEOUT, Map.of());
            return true;
        } catch (TtrpcException e) {
            if (c.mustSucceed()) {
                LOG.warn("training call failed", "method", c.method(), "error", e.getMessage());
            }
            return false;
        }
    }
}
