package dev.katajava.shim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.katajava.protocols.task.DeleteResponse;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeleteResponseEncodingTest {
    @Test
    void deleteResponseEncodesAsContainerdDecodesIt() {
        DeleteResponse r = DeleteResponse.newBuilder()
                .setExitStatus(137)
                .setExitedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5))
                .build();
        assertThat(HexFormat.of().formatHex(r.toByteArray())).isEqualTo("1089011a080880e2cfaa061005");
    }
}
