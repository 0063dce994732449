package dev.katajava.agent.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.katajava.agent.testing.LocalTtrpcServer;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.linux.VsockSockets;
import dev.katajava.protocols.agent.CloseStdinRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.GetOOMEventRequest;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.agent.WriteStreamRequest;
import dev.katajava.protocols.agent.WriteStreamResponse;
import dev.katajava.transport.FdByteStream;
import dev.katajava.transport.stdio.StdioKind;
import dev.katajava.transport.stdio.StdioStreamHeader;
import dev.katajava.transport.stdio.StdioStreamReply;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingContainerRunTest {
    private static final String AGENT = "grpc.AgentService";

    @TempDir
    Path dir;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    /** What the stand-in agent's processes print, by exec id ("" is the container's own process). */
    private final Map<String, Queue<String>> output = new HashMap<>();
    private String stdin = "";
    private LocalTtrpcServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theContainerRunsInTheTrainingTreeAndEchoesTheLineItReads() {
        Spec spec = TrainingContainerRun.spec("aot-training-run-0", false);
        assertThat(spec.getRoot().getPath()).isEqualTo("/opt/kata-agent/training-rootfs");
        assertThat(spec.getProcess().getArgsList()).containsExactly("sh", "-c", "read line && echo \"$line\"");
        assertThat(spec.getLinux().getResources().hasMemory()).isFalse();
        assertThat(spec.getLinux().getCgroupsPath()).isEqualTo("/default/aot-training-run-0");
    }

    @Test
    void withLimitsItHasAMemoryLimitAndACpuQuotaAsCriGivesThem() {
        Spec spec = TrainingContainerRun.spec("aot-training-run-1", true);
        assertThat(spec.getLinux().getResources().getMemory().getLimit()).isEqualTo(256L << 20);
        assertThat(spec.getLinux().getResources().getCPU().getQuota()).isEqualTo(100_000);
        assertThat(spec.getLinux().getResources().getCPU().getPeriod()).isEqualTo(100_000);
        Spec.Builder withoutLimits = spec.toBuilder();
        withoutLimits.setLinux(spec.getLinux().toBuilder()
                .setResources(spec.getLinux().getResources().toBuilder().clearMemory().clearCPU()));
        assertThat(withoutLimits.build()).isEqualTo(TrainingContainerRun.spec("aot-training-run-1", false));
    }

    @Test
    void aContainerThatBehavesRunsItsWholeLifeAndIsRemoved() throws Exception {
        output.put("exec", new ArrayDeque<>(List.of("exec\n")));
        output.put("", new ArrayDeque<>(List.of("from ", "stdin\n")));
        String problem = new TrainingContainerRun(client(), "c1", null).run(false);
        assertThat(problem).isNull();
        assertThat(calls).containsExactly("CreateContainer", "GetOOMEvent", "StartContainer", "ExecProcess",
                "ReadStdout exec", "ReadStdout exec", "WaitProcess exec", "WriteStdin", "CloseStdin",
                "ReadStdout ", "ReadStdout ", "ReadStdout ", "WaitProcess ", "RemoveContainer");
        assertThat(stdin).isEqualTo("from stdin\n");
    }

    @Test
    void outputOtherThanExpectedIsReportedAndTheContainerStillRemoved() throws Exception {
        output.put("exec", new ArrayDeque<>(List.of("something else\n")));
        String problem = new TrainingContainerRun(client(), "c1", null).run(false);
        assertThat(problem).isEqualTo("the exec printed \"something else\\n\", expected \"exec\\n\"");
        assertThat(calls).endsWith("RemoveContainer").doesNotContain("WriteStdin");
    }

    @Test
    void aRefusedCreateIsReportedAndNothingElseIsAsked() throws Exception {
        output.put("refuse", new ArrayDeque<>());
        String problem = new TrainingContainerRun(client(), "c1", null).run(false);
        assertThat(problem).isEqualTo("create: no cgroup v2 here");
        assertThat(calls).containsExactly("CreateContainer");
    }

    @Test
    void withStreamsTheContainersStdioGoesThroughTheStreamServerAndNotThroughCalls() throws Exception {
        Path stdioSocket = dir.resolve("stdio.sock");
        int listenFd = UnixSockets.listen(stdioSocket, 4);
        Map<StdioKind, String> headers = new ConcurrentHashMap<>();
        StringBuilder received = new StringBuilder();
        Thread streams = Thread.ofPlatform().daemon().start(() -> serveStreams(listenFd, headers, received));

        String problem = new TrainingContainerRun(client(), "c1", stdioSocket).run(false);

        streams.join(10_000);
        Fds.close(listenFd);
        assertThat(problem).isNull();
        assertThat(headers).containsEntry(StdioKind.STDIN, "c1/").containsEntry(StdioKind.STDOUT, "c1/");
        assertThat(received.toString()).isEqualTo("from stdin\n");
        assertThat(calls).containsExactly("CreateContainer", "GetOOMEvent", "StartContainer", "WaitProcess ",
                "RemoveContainer");
    }

    /**
     * A stand-in stdio stream server for one stdin and one stdout stream: the process echoes what it reads,
     * so stdout gets stdin's bytes once stdin ended.
     */
    private static void serveStreams(int listenFd, Map<StdioKind, String> headers, StringBuilder received) {
        try {
            Map<StdioKind, Integer> fds = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                // Answered one by one: the client waits for each answer before it opens the next.
                int fd = VsockSockets.accept(listenFd);
                StdioStreamHeader h = StdioStreamHeader.read(fd);
                headers.put(h.kind(), h.containerId() + "/" + h.execId());
                fds.put(h.kind(), fd);
                write(fd, StdioStreamReply.ok());
            }
            try (FdByteStream in = new FdByteStream(fds.get(StdioKind.STDIN));
                 FdByteStream out = new FdByteStream(fds.get(StdioKind.STDOUT))) {
                ByteBuffer chunk = ByteBuffer.allocate(256);
                while (in.read(chunk.clear()) > 0) {
                    received.append(new String(chunk.array(), 0, chunk.position(), StandardCharsets.UTF_8));
                }
                out.write(ByteBuffer.wrap(received.toString().getBytes(StandardCharsets.UTF_8)));
            }
        } catch (Exception e) {
            received.append("stream server failed: ").append(e.getMessage());
        }
    }

    private static void write(int fd, byte[] bytes) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Fds.writeFully(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes), bytes.length);
        }
    }

    /** A stand-in agent over a Unix socket, answering as the real one does for a container that echoes. */
    private TtrpcClient client() throws Exception {
        ServiceRegistry r = new ServiceRegistry()
                .register(AGENT, "CreateContainer", CreateContainerRequest.parser(), (ctx, req) -> {
                    calls.add("CreateContainer");
                    if (output.containsKey("refuse")) {
                        throw new TtrpcException(Code.INTERNAL, "no cgroup v2 here");
                    }
                    return Empty.getDefaultInstance();
                })
                .register(AGENT, "GetOOMEvent", GetOOMEventRequest.parser(), (ctx, req) -> {
                    // The real agent answers only on an OOM kill; the caller gives up at its deadline.
                    calls.add("GetOOMEvent");
                    throw new TtrpcException(Code.DEADLINE_EXCEEDED, "no OOM");
                })
                .register(AGENT, "StartContainer", StartContainerRequest.parser(), (ctx, req) -> done("StartContainer"))
                .register(AGENT, "ExecProcess", ExecProcessRequest.parser(), (ctx, req) -> done("ExecProcess"))
                .register(AGENT, "ReadStdout", ReadStreamRequest.parser(), (ctx, req) -> {
                    calls.add("ReadStdout " + req.getExecId());
                    Queue<String> q = output.getOrDefault(req.getExecId(), new ArrayDeque<>());
                    if (q.isEmpty()) {
                        throw new TtrpcException(Code.INTERNAL, "eof");
                    }
                    return ReadStreamResponse.newBuilder().setData(ByteString.copyFromUtf8(q.remove())).build();
                })
                .register(AGENT, "WaitProcess", WaitProcessRequest.parser(), (ctx, req) -> {
                    calls.add("WaitProcess " + req.getExecId());
                    return WaitProcessResponse.newBuilder().setStatus(0).build();
                })
                .register(AGENT, "WriteStdin", WriteStreamRequest.parser(), (ctx, req) -> {
                    calls.add("WriteStdin");
                    stdin += req.getData().toStringUtf8();
                    return WriteStreamResponse.newBuilder().setLen(req.getData().size()).build();
                })
                .register(AGENT, "CloseStdin", CloseStdinRequest.parser(), (ctx, req) -> done("CloseStdin"))
                .register(AGENT, "RemoveContainer", RemoveContainerRequest.parser(), (ctx, req) -> done("RemoveContainer"));
        server = LocalTtrpcServer.serve(r, dir.resolve("agent.sock"));
        return server.connect();
    }

    private Empty done(String method) {
        calls.add(method);
        return Empty.getDefaultInstance();
    }
}
