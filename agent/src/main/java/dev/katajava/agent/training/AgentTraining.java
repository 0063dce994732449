package dev.katajava.agent.training;

import dev.katajava.agent.AgentMain;
import dev.katajava.agent.channel.VsockChannel;
import dev.katajava.linux.UnixSockets;
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
 * tree inside fresh namespaces): the agent's real ttrpc server, RPC handlers, accept loop and direct stdio
 * stream server, on Unix sockets accepted through the same FFM calls the vsock channel makes, driven by an
 * in-process client with the requests of a container start: each round the ones the agent must refuse,
 * then a container that really runs ({@link TrainingContainerRun}) where the build host allows it, its
 * stdio through the stream server as the shim uses it. Code a cold start runs that the training does not
 * is linked and its classes loaded at run time, which under emulation costs tens of milliseconds a class
 * or lambda. Exits non-zero when the agent did not answer, so no cache is kept.
 *
 * <p>Usage: {@code AgentTraining SOCKET} (the stdio streams' socket is SOCKET.stdio)
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
        AgentMain.awaitLateModules();
        Path stdio = Path.of(socket + ".stdio");
        Files.deleteIfExists(socket);
        Files.deleteIfExists(stdio);
        TtrpcServer server = AgentMain.server(UnixSockets.listen(stdio, 16));
        VsockChannel channel = VsockChannel.listeningOn(UnixSockets.listen(socket, 1), "unix:" + socket);
        // The guest's own description too: its port is bound only on accept, which the build host may refuse.
        LOG.info("agent channel of the guest", "channel", new VsockChannel(VsockChannel.PORT).describe());
        // A daemon: the loop serves for as long as the process lives, as the agent's own does.
        Thread.ofPlatform().name("agent-accept").daemon(true).start(() -> serve(server, channel));
        try (TtrpcClient client = new TtrpcClient(new FdByteStream(UnixSockets.connect(socket)))) {
            return drive(client, stdio);
        } finally {
            server.close();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(stdio);
        }
    }

    private static void serve(TtrpcServer server, VsockChannel channel) {
        try {
            AgentMain.serveForever(server, channel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean drive(TtrpcClient client, Path stdio) {
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
            // The first round reads output with ReadStdout, as a runtime without direct streams does.
            String problem = new TrainingContainerRun(client, "aot-training-run-" + round, round == 0 ? null : stdio)
                    .run(round % 2 == 1);
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
