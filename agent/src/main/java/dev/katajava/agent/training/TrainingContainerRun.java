package dev.katajava.agent.training;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.katajava.protocols.agent.CloseStdinRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.GetOOMEventRequest;
import dev.katajava.protocols.agent.LinuxCPU;
import dev.katajava.protocols.agent.LinuxMemory;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.agent.WriteStreamRequest;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.transport.FdByteStream;
import dev.katajava.transport.stdio.StdioKind;
import dev.katajava.transport.stdio.StdioStreamClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A container that really runs, in the training: what a cold VM's first container goes through after its
 * spec is validated (its cgroup, launch configuration, the launcher and its handshake, pipes, the device
 * filter, start, an exec, stdin, output, wait, removal) is then in the AOT cache too, not only parsing and
 * validation. It needs what a guest gives the agent: root, a cgroup v2 directory at {@code /sys/fs/cgroup}
 * that may enable controllers for its children, and mount rights; {@code aot-train.sh} provides them where
 * the build host allows. Elsewhere the agent refuses the container and the training goes on without it.
 */
final class TrainingContainerRun {
    /** The busybox-only tree in the guest image that the VM template's training container runs in, too. */
    static final String ROOTFS = "/opt/kata-agent/training-rootfs";
    private static final String AGENT = "grpc.AgentService";
    private static final String INPUT = "from stdin";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration OOM_POLL = Duration.ofMillis(500);

    private final TtrpcClient client;
    private final String id;
    /** The agent's stdio stream socket, or null to read output with ReadStdout and write with WriteStdin. */
    private final StdioStreamClient streams;

    TrainingContainerRun(TtrpcClient client, String id, Path stdioSocket) {
        this.client = client;
        this.id = id;
        this.streams = stdioSocket == null ? null : new StdioStreamClient(new UnixSocketDialer(stdioSocket), 0);
    }

    /**
     * Runs one container's life; {@code withLimits} gives it a memory limit and a CPU quota, as the CRI
     * plugin gives a pod's containers. Returns null when every step gave what it should, otherwise what did
     * not; the container is removed either way once it was created.
     */
    String run(boolean withLimits) {
        Spec spec = spec(id, withLimits);
        try {
            call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId(id).setExecId(id)
                    .setOCI(spec).build());
        } catch (TtrpcException e) {
            return "create: " + e.getMessage();
        }
        awaitOomBriefly();
        try {
            return life(spec.getProcess());
        } catch (TtrpcException | InvalidProtocolBufferException e) {
            return e.getMessage();
        } finally {
            try {
                call("RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(id).setTimeout(10).build());
            } catch (TtrpcException e) {
                // The sandbox's destruction that follows takes whatever is left.
            }
        }
    }

    private String life(Process process) throws TtrpcException, InvalidProtocolBufferException {
        if (streams != null) {
            return lifeOverStreams();
        }
        call("StartContainer", TrainingRequests.startContainer(id));
        Process echo = process.toBuilder().clearArgs().addAllArgs(List.of("echo", "exec")).build();
        call("ExecProcess", ExecProcessRequest.newBuilder().setContainerId(id).setExecId("exec").setProcess(echo)
                .build());
        String problem = expect("the exec", stdout("exec"), "exec\n", waitFor("exec"));
        if (problem != null) {
            return problem;
        }
        call("WriteStdin", WriteStreamRequest.newBuilder().setContainerId(id)
                .setData(ByteString.copyFromUtf8(INPUT + "\n")).build());
        call("CloseStdin", CloseStdinRequest.newBuilder().setContainerId(id).build());
        return expect("its process", stdout(""), INPUT + "\n", waitFor(""));
    }

    /** As {@link #life}, the container's own stdio going through direct streams, as the shim's does over vsock. */
    private String lifeOverStreams() throws TtrpcException, InvalidProtocolBufferException {
        try (FdByteStream stdin = new FdByteStream(streams.open(StdioKind.STDIN, id, ""));
             FdByteStream stdout = new FdByteStream(streams.open(StdioKind.STDOUT, id, ""))) {
            call("StartContainer", TrainingRequests.startContainer(id));
            stdin.write(ByteBuffer.wrap((INPUT + "\n").getBytes(StandardCharsets.UTF_8)));
            stdin.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            while (stdout.read(chunk.clear()) > 0) {
                out.write(chunk.array(), 0, chunk.position());
            }
            return expect("its process", out.toString(StandardCharsets.UTF_8), INPUT + "\n", waitFor(""));
        } catch (IOException e) {
            return "stdio streams: " + e.getMessage();
        }
    }

    /** containerd's spec for {@code ctr run}, rooted at the training tree, reading a line and echoing it. */
    static Spec spec(String id, boolean withLimits) {
        Spec s = TrainingRequests.spec(id);
        Spec.Builder b = s.toBuilder()
                .setRoot(Root.newBuilder().setPath(ROOTFS))
                .setProcess(s.getProcess().toBuilder().clearArgs()
                        .addAllArgs(List.of("sh", "-c", "read line && echo \"$line\"")));
        if (withLimits) {
            b.setLinux(s.getLinux().toBuilder().setResources(s.getLinux().getResources().toBuilder()
                    .setMemory(LinuxMemory.newBuilder().setLimit(256L << 20))
                    .setCPU(LinuxCPU.newBuilder().setQuota(100_000).setPeriod(100_000))));
        }
        return b.build();
    }

    /** Stdout until its end, which the agent reports as a failed read. */
    private String stdout(String execId) throws InvalidProtocolBufferException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            byte[] answer;
            try {
                answer = call("ReadStdout", TrainingRequests.readStream(id).toBuilder().setExecId(execId).build());
            } catch (TtrpcException e) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.writeBytes(ReadStreamResponse.parseFrom(answer).getData().toByteArray());
        }
    }

    /**
     * The shim's long poll for OOM kills, which it starts once a container exists; no OOM comes, so the call
     * ends at its short deadline while the agent's side keeps polling, as it does in a guest.
     */
    private void awaitOomBriefly() {
        try {
            client.call(AGENT, "GetOOMEvent", GetOOMEventRequest.getDefaultInstance().toByteArray(), OOM_POLL,
                    Map.of());
        } catch (TtrpcException e) {
            // Expected: the deadline.
        }
    }

    private int waitFor(String execId) throws TtrpcException, InvalidProtocolBufferException {
        byte[] answer = call("WaitProcess", TrainingRequests.waitProcess(id).toBuilder().setExecId(execId).build());
        return WaitProcessResponse.parseFrom(answer).getStatus();
    }

    private static String expect(String what, String got, String want, int status) {
        if (!got.equals(want)) {
            return what + " printed \"" + got.replace("\n", "\\n") + "\", expected \"" + want.replace("\n", "\\n")
                    + "\"";
        }
        return status == 0 ? null : what + " exited with " + status;
    }

    private byte[] call(String method, MessageLite request) throws TtrpcException {
        return client.call(AGENT, method, request.toByteArray(), TIMEOUT, Map.of());
    }
}
