package dev.katajava.shim.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Timestamp;
import dev.katajava.linux.Fds;
import dev.katajava.linux.MemFd;
import dev.katajava.linux.Mmap;
import dev.katajava.linux.UnixSockets;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.GetOOMEventRequest;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.OOMEvent;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.SetGuestDateTimeRequest;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.events.TaskCreate;
import dev.katajava.protocols.events.TaskDelete;
import dev.katajava.protocols.events.TaskExit;
import dev.katajava.protocols.events.TaskIO;
import dev.katajava.protocols.events.TaskStart;
import dev.katajava.protocols.events.service.Envelope;
import dev.katajava.protocols.events.service.ForwardRequest;
import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.task.CreateTaskResponse;
import dev.katajava.protocols.task.DeleteResponse;
import dev.katajava.protocols.task.StartResponse;
import dev.katajava.protocols.task.StateRequest;
import dev.katajava.protocols.task.StateResponse;
import dev.katajava.protocols.task.WaitResponse;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.QemuCommandLine;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.template.StateMigration;
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
import dev.katajava.virtcontainers.fs.Virtio9pShare;
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
import java.util.List;
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
            Spec agentSpec = AgentSpecConverter.convert(spec, "/run/kata-containers/shared/containers/training/rootfs",
                    true);
            var hv = config.hypervisor();
            QemuCommandLine.build(new VmSpec("training", dir, hv.path(), hv.kernel(), hv.initrd(), hv.machineType(),
                    hv.kernelParams(), VmSize.fixed(hv.defaultVcpus(), hv.defaultMemoryMiB()), hv.accelerator(),
                    ShareDevice.virtio9p(dir), AgentChannels.choose(config.agent().transport(), dir), false),
                    Accel.TCG, 2_000_000);
            qmp(dir);
            messages(agentSpec);
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

    /**
     * A QMP session against a stand-in peer, through the typed commands a VM's start makes: a cold boot's
     * status check and {@code cont}, and a clone's state load from the template (the generated client and its
     * JSON binding are otherwise first run while a sandbox waits for its VM).
     */
    private static void qmp(Path dir) throws Exception {
        SocketChannel[] pair = socketPair();
        Thread peer = Thread.ofPlatform().start(() -> answerQmp(pair[1]));
        try (QmpClient client = QmpClient.over(pair[0])) {
            client.negotiate(CALL);
            QmpCommands commands = new QmpCommands(client);
            commands.queryStatus(CALL);
            StateMigration.load(commands, dir.resolve("state"), CALL);
            commands.cont(CALL);
            client.execute("query-cpus-fast", CALL);
        }
        peer.join();
    }

    /**
     * The messages of a container's life, written and read back: the agent's requests and answers, the Task
     * API's answers and the events. Their generated classes and protobuf's field code would otherwise be
     * loaded for the first time while a container starts.
     */
    private static void messages(Spec agentSpec) throws Exception {
        String id = "training";
        Timestamp at = Timestamp.newBuilder().setSeconds(1).setNanos(2).build();
        TaskExit exit = TaskExit.newBuilder().setContainerId(id).setId(id).setPid(1).setExitStatus(0).setExitedAt(at)
                .build();
        List<MessageLite> all = List.of(
                CheckRequest.getDefaultInstance(),
                HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build(),
                ReseedRandomDevRequest.newBuilder().setData(ByteString.copyFrom(new byte[512])).build(),
                SetGuestDateTimeRequest.newBuilder().setSec(1).setUsec(2).build(),
                CreateSandboxRequest.newBuilder().setHostname(id).setSandboxId(id).addStorages(Virtio9pShare.storage())
                        .build(),
                CreateContainerRequest.newBuilder().setContainerId(id).setExecId(id).setOCI(agentSpec).build(),
                StartContainerRequest.newBuilder().setContainerId(id).build(),
                ReadStreamRequest.newBuilder().setContainerId(id).setLen(32 * 1024).build(),
                ReadStreamResponse.newBuilder().setData(ByteString.copyFromUtf8("training\n")).build(),
                WaitProcessRequest.newBuilder().setContainerId(id).build(),
                WaitProcessResponse.newBuilder().setStatus(0).build(),
                GetOOMEventRequest.getDefaultInstance(),
                OOMEvent.newBuilder().setContainerId(id).build(),
                RemoveContainerRequest.newBuilder().setContainerId(id).setTimeout(10).build(),
                DestroySandboxRequest.getDefaultInstance(),
                CreateTaskResponse.newBuilder().setPid(1).build(),
                StartResponse.newBuilder().setPid(1).build(),
                WaitResponse.newBuilder().setExitStatus(0).setExitedAt(at).build(),
                DeleteResponse.newBuilder().setPid(1).setExitedAt(at).build(),
                ForwardRequest.newBuilder().setEnvelope(Envelope.newBuilder().setTimestamp(at).setNamespace(id)
                        .setTopic("/tasks/exit").setEvent(Any.pack(exit, "types.containerd.io"))).build(),
                TaskCreate.newBuilder().setContainerId(id).setBundle("/run/training").setPid(1)
                        .setIo(TaskIO.newBuilder().setStdout("/run/training/stdout")).build(),
                TaskStart.newBuilder().setContainerId(id).setPid(1).build(),
                TaskDelete.newBuilder().setContainerId(id).setPid(1).setExitedAt(at).build());
        for (MessageLite m : all) {
            m.getParserForType().parseFrom(m.toByteArray());
        }
    }

    private static void answerQmp(SocketChannel peer) {
        try (peer; var lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8))) {
            write(peer, "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}}, "
                    + "\"capabilities\": []}}\r\n");
            String line;
            while ((line = lines.readLine()) != null) {
                Matcher id = COMMAND_ID.matcher(line);
                String answer = line.contains("\"query-status\"") ? "{\"status\": \"inmigrate\", \"running\": false}"
                        : line.contains("\"query-migrate\"") ? "{\"status\": \"completed\"}" : "{}";
                String tail = id.find() ? ", \"id\": \"" + id.group(1) + "\"" : "";
                write(peer, "{\"return\": " + answer + tail + "}\r\n");
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
