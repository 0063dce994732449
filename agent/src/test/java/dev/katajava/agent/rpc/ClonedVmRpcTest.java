package dev.katajava.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import dev.katajava.agent.testing.LocalTtrpcServer;
import dev.katajava.linux.ErrnoException;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.SetGuestDateTimeRequest;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClonedVmRpcTest {
    @TempDir
    Path dir;
    final List<byte[]> seeds = new ArrayList<>();
    final List<long[]> clockSets = new ArrayList<>();
    LocalTtrpcServer server;
    TtrpcClient client;

    private void serve(ClonedVmRpc rpc) throws Exception {
        server = LocalTtrpcServer.serve(rpc.register(new ServiceRegistry()), dir.resolve("agent.sock"));
        client = server.connect();
    }

    private void serveRecording() throws Exception {
        serve(new ClonedVmRpc(seeds::add, (s, n) -> clockSets.add(new long[] {s, n})));
    }

    private void call(String method, MessageLite request) throws TtrpcException {
        client.call("grpc.AgentService", method, request, Empty.parser(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void reseedHandsTheHostsBytesToTheRandomPool() throws Exception {
        serveRecording();
        byte[] seed = new byte[512];
        seed[0] = 7;
        seed[511] = 9;
        call("ReseedRandomDev", ReseedRandomDevRequest.newBuilder().setData(ByteString.copyFrom(seed)).build());
        assertThat(seeds).singleElement().isEqualTo(seed);
    }

    @Test
    void anEmptySeedIsRefusedAsInvalid() throws Exception {
        serveRecording();
        assertThatThrownBy(() -> call("ReseedRandomDev", ReseedRandomDevRequest.getDefaultInstance()))
                .isInstanceOf(TtrpcException.class)
                .hasMessageContaining("the seed must be 1 to")
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(seeds).isEmpty();
    }

    @Test
    void setGuestDateTimeSetsTheWallClockInNanoseconds() throws Exception {
        serveRecording();
        call("SetGuestDateTime", SetGuestDateTimeRequest.newBuilder().setSec(1_800_000_000L).setUsec(250_000).build());
        assertThat(clockSets).singleElement().isEqualTo(new long[] {1_800_000_000L, 250_000_000L});
    }

    @Test
    void microsecondsOutOfRangeAreRefused() throws Exception {
        serveRecording();
        assertThatThrownBy(() -> call("SetGuestDateTime",
                SetGuestDateTimeRequest.newBuilder().setSec(1).setUsec(1_000_000).build()))
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(clockSets).isEmpty();
    }

    @Test
    void aKernelRefusalIsReportedWithItsReason() throws Exception {
        serve(new ClonedVmRpc(seed -> {
            throw new ErrnoException("ioctl(RNDRESEEDCRNG)", 1, "/dev/random");
        }, (s, n) -> {
            throw new ErrnoException("clock_settime(CLOCK_REALTIME)", 1, s + "." + n);
        }));
        assertThatThrownBy(() -> call("ReseedRandomDev",
                ReseedRandomDevRequest.newBuilder().setData(ByteString.copyFromUtf8("x")).build()))
                .hasMessageContaining("RNDRESEEDCRNG")
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INTERNAL);
        assertThatThrownBy(() -> call("SetGuestDateTime", SetGuestDateTimeRequest.newBuilder().setSec(5).build()))
                .hasMessageContaining("clock_settime")
                .extracting(e -> ((TtrpcException) e).code()).isEqualTo(Code.INTERNAL);
    }
}
