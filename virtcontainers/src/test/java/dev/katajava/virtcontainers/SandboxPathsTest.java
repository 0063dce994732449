package dev.katajava.virtcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.oci.OciSpecException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxPathsTest {
    @Test
    void theMonitorSocketIsWhereKataKeepsIt() throws Exception {
        assertThat(SandboxPaths.DEFAULT.monitorSocket("metrics-sb1"))
                .isEqualTo(Path.of("/run/vc/sbs/metrics-sb1/shim-monitor.sock"));
    }

    @Test
    void anIdThatIsNotAPlainNameNeverBecomesAPath() {
        for (String id : new String[] {"../vm/x", "a/b", "..", "", ".hidden"}) {
            assertThatThrownBy(() -> SandboxPaths.DEFAULT.monitorSocket(id)).isInstanceOf(OciSpecException.class);
        }
    }
}
