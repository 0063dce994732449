package dev.katajava.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import dev.katajava.linux.ErrnoException;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.SetGuestDateTimeRequest;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.ttrpc.TtrpcServer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
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
    TtrpcServer server;
    TtrpcClient client;

    private void serve(ClonedVmRpc rpc) throws Exception {
        server = new TtrpcServer(rpc.register(new ServiceRegistry()));
        Path socket = dir.resolve("agent.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                server.listen(listener, false);
            } catch (Exception e) {
                // Closed at the end of the test.
            }
        });
        client = TtrpcClient.connect(socket);
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
