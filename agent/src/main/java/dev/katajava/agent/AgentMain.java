package dev.katajava.agent;

import dev.katajava.agent.channel.AgentChannel;
import dev.katajava.agent.channel.VirtioSerialChannel;
import dev.katajava.agent.container.ContainerRuntime;
import dev.katajava.agent.rpc.AgentRpc;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guest agent: serves Kata's agent API on the agent channel for as long as the VM lives. A runtime
 * that disconnects can connect again; the containers stay.
 */
public final class AgentMain {
    private static final Log LOG = Log.of("agent");
    private static final String PORT_NAME = "agent.channel.0";
    private static final Path NSEXEC = Path.of("/opt/kata-agent/bin/nsexec");
    private static final Path STATE = Path.of("/run/kata-agent/containers");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private AgentMain() {
    }

    public static void main(String[] args) throws Exception {
        String cmdline = Files.exists(Path.of("/proc/cmdline")) ? Files.readString(Path.of("/proc/cmdline")) : "";
        Log.configure(System.err, cmdline.contains("agent.log=debug") ? Level.DEBUG : Level.INFO);
        // The guest root is an initramfs, where pivot_root is refused: containers use the MS_MOVE path.
        boolean initramfsRoot = isInitramfsRoot();
        GuestSandbox sandbox = new GuestSandbox(new ContainerRuntime(NSEXEC, STATE, initramfsRoot, CGROUP_ROOT));
        TtrpcServer server = new TtrpcServer(new AgentRpc(sandbox).register(new ServiceRegistry()));
        AgentChannel channel = new VirtioSerialChannel(PORT_NAME);
        LOG.info("agent ready", "channel", channel.describe(), "version", AgentRpc.VERSION);
        while (true) {
            try {
                server.serve(channel.accept());
            } catch (IOException e) {
                LOG.warn("agent channel failed; reopening", "error", e.getMessage());
            }
            // A closed host side reads as end of stream until the runtime connects again.
            Thread.sleep(20);
        }
    }

    private static boolean isInitramfsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].equals("/")) {
                    int dash = line.indexOf(" - ");
                    String fstype = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0];
                    return fstype.equals("rootfs") || fstype.equals("ramfs");
                }
            }
        } catch (IOException e) {
            return true;
        }
        return false;
    }
}
