package dev.katajava.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import dev.katajava.agent.GuestSandbox;
import dev.katajava.agent.container.HostFixture;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.GuestDetailsRequest;
import dev.katajava.protocols.agent.GuestDetailsResponse;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.PauseContainerRequest;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.ResumeContainerRequest;
import dev.katajava.protocols.agent.SignalProcessRequest;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.VersionCheckResponse;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent API over a real ttrpc connection, driving real containers on the host (as root, no VM). */
class AgentRpcOnHostTest {
    private static final String AGENT = "grpc.AgentService";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    HostFixture host;
    GuestSandbox sandbox;
    TtrpcServer server;
    TtrpcClient client;

    @BeforeEach
    void serve() throws Exception {
        host = HostFixture.in(dir);
        sandbox = new GuestSandbox(host.runtime(false));
        server = new TtrpcServer(new AgentRpc(sandbox).register(new ServiceRegistry()));
        Path socket = dir.resolve("agent.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                server.listen(listener, false);
            } catch (Exception e) {
                // Closed at the end of the test.
            }
        });
        client = TtrpcClient.connect(socket);
        call("CreateSandbox", CreateSandboxRequest.newBuilder().setSandboxId("sb").build(), Empty.parser());
    }

    @AfterEach
    void stop() throws Exception {
        sandbox.destroy();
        client.close();
        server.close();
        host.close();
    }

    private <R> R call(String method, MessageLite request, com.google.protobuf.Parser<R> parser) throws TtrpcException {
        return client.call(AGENT, method, request, parser, TIMEOUT);
    }

    private void create(String id, String script) throws TtrpcException {
        Spec spec = host.spec(List.of("sh", "-c", script));
        call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId(id).setExecId(id).setOCI(spec).build(),
                Empty.parser());
    }

    private void start(String id) throws TtrpcException {
        call("StartContainer", StartContainerRequest.newBuilder().setContainerId(id).build(), Empty.parser());
    }

    private ReadStreamResponse read(String id, String execId) throws TtrpcException {
        return call("ReadStdout", ReadStreamRequest.newBuilder().setContainerId(id).setExecId(execId).setLen(32768).build(),
                ReadStreamResponse.parser());
    }

    /** The runtime's copy loop: reads until the agent reports the end of the stream. */
    private String readToEof(String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            try {
                read(id, id).getData().writeTo(out);
            } catch (TtrpcException e) {
                assertThat(e.code()).isEqualTo(Code.INTERNAL);
                assertThat(e.getMessage()).isEqualTo("eof");
                return out.toString(StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private int waitProcess(String id, String execId) throws TtrpcException {
        return call("WaitProcess", WaitProcessRequest.newBuilder().setContainerId(id).setExecId(execId).build(),
                WaitProcessResponse.parser()).getStatus();
    }

    private static Code codeOf(ThrowingCall call) {
        try {
            call.run();
        } catch (TtrpcException e) {
            return e.code();
        }
        throw new AssertionError("the call succeeded");
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws TtrpcException;
    }

    @Test
    void answersHealthVersionAndGuestDetails() throws Exception {
        assertThat(client.call("grpc.Health", "Check", CheckRequest.getDefaultInstance(), HealthCheckResponse.parser(),
                TIMEOUT).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(client.call("grpc.Health", "Version", CheckRequest.getDefaultInstance(),
                VersionCheckResponse.parser(), TIMEOUT).getAgentVersion()).isEqualTo(AgentRpc.VERSION);
        GuestDetailsResponse details = call("GetGuestDetails", GuestDetailsRequest.getDefaultInstance(),
                GuestDetailsResponse.parser());
        assertThat(details.getAgentDetails().getVersion()).isEqualTo(AgentRpc.VERSION);
        assertThat(details.getAgentDetails().getInitDaemon()).isFalse();
    }

    @Test
    void getMetricsReportsTheAgentProcessAndGuestMemory() throws Exception {
        String text = call("GetMetrics", dev.katajava.protocols.agent.GetMetricsRequest.getDefaultInstance(),
                dev.katajava.protocols.agent.Metrics.parser()).getMetrics();
        assertThat(text).containsPattern("(?m)^kata_agent_total_rss [1-9][0-9]*$")
                .containsPattern("(?m)^kata_guest_meminfo\\{item=\"mem_total\"\\} [1-9][0-9]*$");
    }

    @Test
    void runsTheSkeletonCommandAndReportsItsExitCode() throws Exception {
        create("c1", "echo hello; exit 3");
        start("c1");
        assertThat(readToEof("c1")).isEqualTo("hello\n");
        assertThat(waitProcess("c1", "c1")).isEqualTo(3);
        call("RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId("c1").build(), Empty.parser());
        assertThat(codeOf(() -> start("c1"))).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void outputStaysReadableAfterTheProcessExitedUntilWaitProcessReleasesIt() throws Exception {
        create("late", "i=0; while [ $i -lt 500 ]; do echo line-$i; i=$((i+1)); done");
        start("late");
        sandbox.container("late").init().exit().get(10, TimeUnit.SECONDS);

        String out = readToEof("late");

        assertThat(out.lines()).hasSize(500).startsWith("line-0").endsWith("line-499");
        assertThat(waitProcess("late", "late")).isZero();
        assertThatThrownBy(() -> read("late", "late")).isInstanceOf(TtrpcException.class)
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INTERNAL);
    }

    @Test
    void aKilledInitReports128PlusTheSignal() throws Exception {
        create("k", "sleep 60");
        start("k");
        call("SignalProcess", SignalProcessRequest.newBuilder().setContainerId("k").setSignal(9).build(), Empty.parser());
        assertThat(readToEof("k")).isEmpty();
        assertThat(waitProcess("k", "k")).isEqualTo(137);
    }

    @Test
    void signallingTheContainerReachesEveryProcessInItsCgroup() throws Exception {
        // Without a pid namespace of its own, the init's death does not take its children along.
        Spec spec = host.spec(List.of("sh", "-c", "sleep 60 & echo $!; wait"));
        spec = spec.toBuilder().clearHostname().setLinux(spec.getLinux().toBuilder().clearNamespaces()
                .addNamespaces(dev.katajava.protocols.agent.LinuxNamespace.newBuilder().setType("mount"))).build();
        call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId("all").setExecId("all").setOCI(spec)
                .build(), Empty.parser());
        start("all");
        long sleeper = Long.parseLong(read("all", "all").getData().toStringUtf8().strip());

        call("SignalProcess", SignalProcessRequest.newBuilder().setContainerId("all").setSignal(9).build(), Empty.parser());

        assertThat(waitProcess("all", "all")).isEqualTo(137);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sandbox.container("all").cgroup().pids()).doesNotContain(sleeper);
    }

    @Test
    void aPausedContainerStaysPausedWhenSignalled() throws Exception {
        create("paused", "sleep 60");
        start("paused");
        call("PauseContainer", PauseContainerRequest.newBuilder().setContainerId("paused").build(), Empty.parser());

        call("SignalProcess", SignalProcessRequest.newBuilder().setContainerId("paused").setSignal(10).build(),
                Empty.parser());

        assertThat(sandbox.container("paused").cgroup().frozen()).isTrue();
        call("ResumeContainer", ResumeContainerRequest.newBuilder().setContainerId("paused").build(), Empty.parser());
        assertThat(sandbox.container("paused").cgroup().frozen()).isFalse();
    }

    @Test
    void anInvalidContainerIdIsAnInvalidArgument() {
        assertThat(codeOf(() -> create("../x", "true"))).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> create("", "true"))).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void anExecOfAMissingProgramIsAFailureNotAMissingContainer() throws Exception {
        create("ex", "sleep 60");
        start("ex");
        assertThatThrownBy(() -> call("ExecProcess", ExecProcessRequest.newBuilder().setContainerId("ex").setExecId("e1")
                .setProcess(Process.newBuilder().addArgs("no-such-program").addEnv("PATH=/bin").setCwd("/")).build(),
                Empty.parser()))
                .isInstanceOf(TtrpcException.class)
                .hasMessageContaining("executable file not found in $PATH")
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INTERNAL);
    }

    @Test
    void methodsItDoesNotServeAreUnimplemented() {
        assertThat(codeOf(() -> call("CopyFile", ReseedRandomDevRequest.getDefaultInstance(), Empty.parser())))
                .isEqualTo(Code.UNIMPLEMENTED);
    }

    @Test
    void aProgramMissingFromTheImageFailsCreateWithTheLaunchersMessage() {
        Spec spec = host.spec(List.of("no-such-program"));
        assertThatThrownBy(() -> call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId("np")
                .setExecId("np").setOCI(spec).build(), Empty.parser()))
                .isInstanceOf(TtrpcException.class)
                .hasMessageContaining("exec: \"no-such-program\": executable file not found in $PATH")
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INTERNAL);
    }

    @Test
    void lifecycleMistakesAreReportedAsSuch() throws Exception {
        create("twice", "sleep 60");
        assertThat(codeOf(() -> create("twice", "true"))).isEqualTo(Code.ALREADY_EXISTS);
        assertThat(codeOf(() -> call("ExecProcess", ExecProcessRequest.newBuilder().setContainerId("twice")
                .setExecId("e1").setProcess(Process.newBuilder().addArgs("true").addEnv("PATH=/bin")).build(),
                Empty.parser()))).isEqualTo(Code.FAILED_PRECONDITION);
        start("twice");
        assertThat(codeOf(() -> start("twice"))).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(codeOf(() -> waitProcess("twice", "nope"))).isEqualTo(Code.NOT_FOUND);
        call("DestroySandbox", DestroySandboxRequest.getDefaultInstance(), Empty.parser());
        assertThat(codeOf(() -> start("twice"))).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void aSecondSandboxIsRefusedUntilTheFirstIsDestroyedAndThenRunsContainers() throws Exception {
        CreateSandboxRequest again = CreateSandboxRequest.newBuilder().setSandboxId("next").build();
        assertThat(codeOf(() -> call("CreateSandbox", again, Empty.parser()))).isEqualTo(Code.INTERNAL);
        create("before", "echo before");
        start("before");
        call("DestroySandbox", DestroySandboxRequest.getDefaultInstance(), Empty.parser());

        call("CreateSandbox", again, Empty.parser());
        assertThat(codeOf(() -> start("before"))).isEqualTo(Code.NOT_FOUND);
        create("after", "echo after");
        start("after");
        assertThat(readToEof("after")).isEqualTo("after\n");
        assertThat(waitProcess("after", "after")).isZero();
    }
}
