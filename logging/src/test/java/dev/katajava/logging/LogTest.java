package dev.katajava.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogTest {
    @Test
    void formatsOneLogfmtLinePerEvent() {
        String line = Log.format(Instant.EPOCH, Level.INFO, "shim", "task created", null,
                new String[] {"pid", "42"}, new Object[] {"id", "c1", "path", "/a b"});
        assertThat(line).isEqualTo(
                "time=1970-01-01T00:00:00Z level=info msg=\"task created\" pid=42 source=shim id=c1 path=\"/a b\"\n");
    }

    @Test
    void escapesNewlinesAndQuotesSoAnEventStaysOnOneLine() {
        String line = Log.format(Instant.EPOCH, Level.ERROR, "agent", "bad\n\"x\"", null, new String[0], new Object[0]);
        assertThat(line).contains("msg=\"bad\\n\\\"x\\\"\"").endsWith("\n");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void dropsEventsBelowTheThreshold() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Log.configure(out, Level.INFO);
        Log log = Log.of("t");
        log.debug("hidden");
        log.warn("shown", "k", "v");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("hidden").contains("level=warning msg=shown");
    }
}
