package dev.katajava.shim.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.linux.Fds;
import dev.katajava.linux.MemFd;
import dev.katajava.linux.Mmap;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.task.StateRequest;
import dev.katajava.protocols.task.StateResponse;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.QemuCommandLine;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.shim.ShimAddress;
import dev.katajava.shim.ShimFlags;
import dev.katajava.shim.service.TaskService;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.ttrpc.TtrpcServer;
import dev.katajava.virtcontainers.agent.AgentChannels;
import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.oci.AgentSpecConverter;
import dev.katajava.virtcontainers.oci.ContainerType;
import dev.katajava.virtcontainers.oci.DefaultSpec;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training run for the shim's AOT cache, made when the runtime is installed: it walks the paths every
 * container start takes (flags, the bundle's spec, the configuration file, the spec the agent gets, the
 * QEMU command line, QMP, the Task API over ttrpc, the native calls) so that the classes, linkage and
 * profiles they need are in the cache. It touches nothing outside a temporary directory and starts no VM.
 *
 * <p>Usage: {@code ShimTraining <configuration.toml>}.
 */
public final class ShimTraining {
    private static final Duration CALL = Duration.ofSeconds(10);
    private static final String TASK = "containerd.task.v2.Task";
    private static final Pattern COMMAND_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*)\"");

    private ShimTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ShimTraining <configuration.toml>");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("kata-shim-training");
        try {
            Log.configure(new ByteArrayOutputStream(), Level.DEBUG, "id", "training");
            JsonNode spec = bundle(dir);
            ShimFlags flags = ShimFlags.parse(new String[] {"-namespace", "training", "-address",
                    dir.resolve("containerd.sock").toString(), "-id", "training", "start"});
            ContainerType type = ContainerType.of(flags.id(), spec);
            ShimAddress.socketPath(flags.address(), flags.namespace(), type.sandboxId());
            RuntimeConfig config = ConfigLoader.load(Path.of(args[0]));
            AgentSpecConverter.convert(spec, "/run/kata-containers/shared/containers/training/rootfs", true);
            var hv = config.hypervisor();
            QemuCommandLine.build(new VmSpec("training", dir, hv.path(), hv.kernel(), hv.initrd(), hv.machineType(),
                    hv.kernelParams(), VmSize.fixed(hv.defaultVcpus(), hv.defaultMemoryMiB()), hv.accelerator(),
                    ShareDevice.virtio9p(dir), AgentChannels.choose(config.agent().transport(), dir), false),
                    Accel.TCG, 2_000_000);
            qmp();
            taskApi(dir);
            nativeCalls(dir);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static JsonNode bundle(Path dir) throws Exception {
        Files.write(dir.resolve("config.json"), DefaultSpec.configJson());
        Files.createDirectories(dir.resolve("rootfs"));
        JsonNode spec = OciSpecReader.read(dir);
        OciSpecReader.annotations(spec);
        return spec;
    }

    /** A QMP session against a stand-in peer that greets and answers every command with an empty return. */
    private static void qmp() throws Exception {
        SocketChannel[] pair = socketPair();
        Thread peer = Thread.ofPlatform().start(() -> answerQmp(pair[1]));
        try (QmpClient client = QmpClient.over(pair[0])) {
            client.negotiate(CALL);
            client.execute("query-status", CALL);
            client.execute("query-cpus-fast", CALL);
        }
        peer.join();
    }

    private static void answerQmp(SocketChannel peer) {
        try (peer; var lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8))) {
            write(peer, "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}}, "
                    + "\"capabilities\": []}}\r\n");
            String line;
            while ((line = lines.readLine()) != null) {
                Matcher id = COMMAND_ID.matcher(line);
                write(peer, "{\"return\": {}" + (id.find() ? ", \"id\": \"" + id.group(1) + "\"" : "") + "}\r\n");
            }
        } catch (Exception e) {
            // The client closing first ends the exchange.
        }
    }

    /** The Task API served and called over ttrpc, as containerd calls it. */
    private static void taskApi(Path dir) throws Exception {
        TaskService service = TaskService.create("training", null, () -> { });
        TtrpcServer server = new TtrpcServer(service.register(new ServiceRegistry()));
        Path socket = dir.resolve("shim.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                server.listen(listener, true);
            } catch (Exception e) {
                // Closed at the end of training.
            }
        });
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            // No task was created, so both answer NOT_FOUND: the error path is trained along with the call.
            try {
                client.call(TASK, "Connect", ConnectRequest.newBuilder().setId("training").build(),
                        ConnectResponse.parser(), CALL);
            } catch (TtrpcException expected) {
                // NOT_FOUND
            }
            try {
                client.call(TASK, "State", StateRequest.newBuilder().setId("training").build(),
                        StateResponse.parser(), CALL);
            } catch (TtrpcException expected) {
                // NOT_FOUND
            }
        } finally {
            server.close();
        }
    }

    /** The native calls every sandbox makes: sockets, a shared memory file and its mapping. */
    private static void nativeCalls(Path dir) throws Exception {
        int[] pair = UnixSockets.pair();
        Fds.close(pair[0]);
        Fds.close(pair[1]);
        int listen = UnixSockets.listen(dir.resolve("native.sock"), 1);
        int client = UnixSockets.connect(dir.resolve("native.sock"));
        int accepted = UnixSockets.accept(listen);
        for (int fd : new int[] {client, accepted, listen}) {
            Fds.close(fd);
        }
        int memfd = MemFd.create("training", 1 << 20);
        Mmap.unmap(Mmap.mapShared(memfd, 1 << 20, 0, true));
        Fds.close(memfd);
    }

    private static SocketChannel[] socketPair() throws Exception {
        Path socket = Files.createTempDirectory("kata-qmp-training").resolve("qmp.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            SocketChannel accepted = server.accept();
            Files.delete(socket);
            Files.delete(socket.getParent());
            return new SocketChannel[] {client, accepted};
        }
    }

    private static void write(SocketChannel ch, String s) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
