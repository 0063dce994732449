package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fds;
import dev.katajava.transport.stdio.StdioKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The agent's own descriptors on a process's pipes, as direct stdio streams take them. */
class PipeStdioTest {
    private static String readAll(int fd) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int n;
            while ((n = Fds.read(fd, buf, 256)) > 0) {
                out.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }

    @Test
    void descriptorsReachTheSamePipesAndClosingStdinEndsTheProcessInput() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "cat; echo err >&2").start();
        PipeStdio stdio = new PipeStdio(p);
        int in = stdio.takeFd(StdioKind.STDIN);
        int out = stdio.takeFd(StdioKind.STDOUT);
        int err = stdio.takeFd(StdioKind.STDERR);
        assertThat(Math.min(in, Math.min(out, err))).as("all three opened").isGreaterThanOrEqualTo(0);
        assertThat(stdio.takeFd(StdioKind.STDOUT)).as("taken once").isEqualTo(-1);
        try (Arena arena = Arena.ofConfined()) {
            Fds.writeFully(in, arena.allocateFrom("typed", StandardCharsets.UTF_8), 5);
        }
        Fds.close(in);
        // The JDK's writer is still open: the process sees end of input only once stdin is closed as a whole.
        assertThat(p.waitFor(300, TimeUnit.MILLISECONDS)).isFalse();
        stdio.stdin().close();
        assertThat(readAll(out)).isEqualTo("typed");
        assertThat(readAll(err)).isEqualTo("err\n");
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        Fds.close(out);
        Fds.close(err);
        stdio.close();
    }

    @Test
    void outputLeftInThePipeWhenTheProcessExitsStaysThereForTheDescriptor() throws Exception {
        // The process waits for end of input, as a launcher waits at its start gate: the pipes are opened again
        // while it is alive (a process that already exited has no /proc/<pid>/fd to open).
        Process p = new ProcessBuilder("sh", "-c", "read -r gate; echo last words").start();
        PipeStdio stdio = new PipeStdio(p);
        stdio.stdin().close();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        // The JDK drains a dead process's pipes into its own buffer; ours must still hold the bytes.
        Thread.sleep(200);
        int out = stdio.takeFd(StdioKind.STDOUT);
        assertThat(readAll(out)).isEqualTo("last words\n");
        Fds.close(out);
        stdio.close();
    }

    @Test
    void theAgentApiStreamReadsTheSamePipe() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "read -r gate; echo via the api").start();
        PipeStdio stdio = new PipeStdio(p);
        stdio.stdin().close();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        assertThat(new String(stdio.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("via the api\n");
        stdio.close();
    }

    @Test
    void closingStdinClosesTheAgentsOwnWriterToo() throws Exception {
        Process p = new ProcessBuilder("cat").start();
        PipeStdio stdio = new PipeStdio(p);
        stdio.stdin().close();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as("cat saw end of input").isTrue();
        stdio.close();
    }
}
