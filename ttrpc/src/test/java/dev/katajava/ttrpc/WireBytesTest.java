package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.katajava.protocols.task.ConnectRequest;
import dev.katajava.protocols.task.ConnectResponse;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import dev.katajava.protocols.ttrpc.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The worked examples of containerd's ttrpc framing, byte for byte. */
class WireBytesTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return HEX.formatHex(bytes);
    }

    private static String ascii(String s) {
        return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void connectRequestWithDeadlineAndNamespaceEncodesAsContainerdSendsIt() {
        Request request = Request.newBuilder()
                .setService("containerd.task.v2.Task")
                .setMethod("Connect")
                .setPayload(ConnectRequest.newBuilder().setId("test").build().toByteString())
                .setTimeoutNano(2_000_000_000L)
                .addMetadata(KeyValue.newBuilder().setKey("containerd-namespace-ttrpc").setValue("default"))
                .build();
        String frame = hex(Frames.encode(1, Frames.TYPE_REQUEST, request.toByteArray()));
        assertThat(frame).isEqualTo("00000057" + "00000001" + "01" + "00"
                + "0a17" + ascii("containerd.task.v2.Task") + "1207" + ascii("Connect")
                + "1a060a04" + ascii("test") + "2080a8d6b907"
                + "2a250a1a" + ascii("containerd-namespace-ttrpc") + "1207" + ascii("default"));
    }

    @Test
    void connectResponseFrameMatchesTheWorkedExample() {
        Response response = Response.newBuilder()
                .setPayload(ConnectResponse.newBuilder().setShimPid(1234).setTaskPid(5678).build().toByteString())
                .build();
        assertThat(hex(Frames.encode(1, Frames.TYPE_RESPONSE, response.toByteArray())))
                .isEqualTo("00000008000000010200" + "120608d20910ae2c");
    }

    @Test
    void notFoundErrorBodyMatchesTheWorkedExample() {
        Response response = Response.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.NOT_FOUND.value())
                        .setMessage("container does not exist test: not found"))
                .setPayload(ByteString.EMPTY)
                .build();
        assertThat(HEX.formatHex(response.toByteArray()))
                .isEqualTo("0a2c08051228" + ascii("container does not exist test: not found"));
    }

    @Test
    void codesRoundTripAndUnknownValuesReadAsUnknown() {
        for (Code c : Code.values()) {
            assertThat(Code.of(c.value())).isEqualTo(c);
        }
        assertThat(Code.of(99)).isEqualTo(Code.UNKNOWN);
    }
}
