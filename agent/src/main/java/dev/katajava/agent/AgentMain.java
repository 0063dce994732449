package dev.katajava.agent;

import dev.katajava.agent.channel.AgentChannel;
import dev.katajava.agent.channel.VirtioSerialChannel;
import dev.katajava.agent.channel.VsockChannel;
import dev.katajava.agent.container.ContainerRuntime;
import dev.katajava.agent.container.Launcher;
import dev.katajava.agent.rpc.AgentRpc;
import dev.katajava.agent.stdio.StdioStreamServer;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.ByteStream;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The guest agent: serves Kata's agent API on the agent channel for as long as the VM lives. A runtime
 * that disconnects can connect again; the containers stay.
 */
public final class AgentMain {
    private static final Log LOG = Log.of("agent");
    private static final String PORT_NAME = "agent.channel.0";
    private static final Path NSEXEC = Path.of("/opt/kata-agent/bin/nsexec");
    /** Quiet time after a launch before the spare launcher it used is replaced. */
    private static final Duration SPARE_REFILL_DELAY = Duration.ofSeconds(2);
    private static final Path STATE = Path.of("/run/kata-agent/containers");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    /** How long kata-init's background module loading may take before the agent goes on without it. */
    private static final Duration MODULES_LIMIT = Duration.ofSeconds(20);

    private AgentMain() {
    }

    public static void main(String[] args) throws Exception {
        String cmdline = Files.exists(Path.of("/proc/cmdline")) ? Files.readString(Path.of("/proc/cmdline")) : "";
        Log.configure(System.err, cmdline.contains("agent.log=debug") ? Level.DEBUG : Level.INFO);
        // The runtime says which channel it gave the VM (agent.channel=vsock); virtio-serial otherwise.
        boolean vsock = cmdline.contains("agent.channel=vsock");
        GuestSandbox sandbox = sandbox();
        AgentRpc rpc = new AgentRpc(sandbox);
        awaitLateModules();
        if (vsock) {
            // Over vsock each stream can have a connection of its own; virtio-serial carries one stream only.
            new StdioStreamServer(sandbox, StdioStreamServer.PORT).start();
            rpc.stdioStreamPort(StdioStreamServer.PORT);
        }
        TtrpcServer server = new TtrpcServer(rpc.register(new ServiceRegistry()));
        AgentChannel channel = vsock ? new VsockChannel(VsockChannel.PORT) : new VirtioSerialChannel(PORT_NAME);
        LOG.info("agent ready", "channel", channel.describe(), "version", AgentRpc.VERSION);
        serveForever(server, channel);
    }

    /**
     * Waits for the kernel modules kata-init may still be loading (vsock, 9p, virtio-net): every channel and
     * request needs them. The AOT training calls this too, so its class comes from the cache.
     */
    public static void awaitLateModules() throws InterruptedException {
        LateModules.await(System.getenv(LateModules.ENV), MODULES_LIMIT);
    }

    /**
     * Accepts runtime connections on {@code channel} for as long as the process lives, serving each until it
     * ends (concurrently where the channel allows). The AOT training runs this same loop on a Unix socket.
     */
    public static void serveForever(TtrpcServer server, AgentChannel channel) throws InterruptedException {
        while (true) {
            try {
                var connection = channel.accept();
                LOG.debug("runtime connected", "channel", channel.describe());
                if (channel.concurrent()) {
                    Thread.ofPlatform().name("agent-connection").start(() -> serve(server, connection, channel));
                } else {
                    serve(server, connection, channel);
                }
            } catch (IOException e) {
                // The port may not be there yet (the module's device appears asynchronously): look again.
                LOG.warn("agent channel failed; retrying", "error", e.getMessage());
                Thread.sleep(20);
            }
        }
    }

    /**
     * The agent's RPC server over a new guest sandbox, with its direct stdio streams served on
     * {@code stdioListenFd}, a listening stream socket: the AOT training drives this same server.
     */
    public static TtrpcServer server(int stdioListenFd) {
        GuestSandbox sandbox = sandbox();
        new StdioStreamServer(sandbox, StdioStreamServer.PORT).startOn(stdioListenFd);
        return new TtrpcServer(new AgentRpc(sandbox).stdioStreamPort(StdioStreamServer.PORT)
                .register(new ServiceRegistry()));
    }

    private static GuestSandbox sandbox() {
        // pivot_root is tried first; the launcher falls back to MS_MOVE + chroot where the root refuses it.
        return new GuestSandbox(new ContainerRuntime(Launcher.withSpare(NSEXEC, SPARE_REFILL_DELAY), STATE, false,
                CGROUP_ROOT));
    }

    /** Serves one runtime connection until it ends; the agent and its containers stay for the next. */
    private static void serve(TtrpcServer server, ByteStream connection, AgentChannel channel) {
        try {
            server.serve(connection);
        } catch (IOException e) {
            LOG.warn("runtime connection failed", "channel", channel.describe(), "error", e.getMessage());
        }
        LOG.debug("runtime disconnected", "channel", channel.describe());
    }
}
