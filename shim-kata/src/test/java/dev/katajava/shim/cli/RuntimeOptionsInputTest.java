package dev.katajava.shim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class RuntimeOptionsInputTest {
    @Test
    void readsEverythingUpToTheLimit() {
        byte[] options = {0x0a, 0x03, 'a', 'b', 'c'};
        assertThat(RuntimeOptionsInput.readBounded(new ByteArrayInputStream(options))).isEqualTo(options);
    }

    @Test
    void moreThanAnyOptionsCouldBeIsDroppedRatherThanTruncated() {
        byte[] huge = new byte[(1 << 20) + 1];
        assertThat(RuntimeOptionsInput.readBounded(new ByteArrayInputStream(huge))).isEmpty();
    }
}
