package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ctr run -t} and {@code ctr task exec -t}: a guest pty, driven from a real terminal (script(1)). */
class TerminalIT extends ContainerdTest {
    /**
     * Runs ctr inside a pty of its own, as a user at a terminal would, with a 40x120 window. ctr sends the
     * window size only after the process started (runc sees the same order), so the commands wait a moment
     * before they read it.
     */
    private static Commands.Result ctrInTerminal(String args) throws Exception {
        String ctr = "stty rows 40 cols 120; ctr --address " + containerd.socket() + " --namespace "
                + PrivateContainerd.NAMESPACE + " " + args;
        return Commands.run(List.of("script", "-qec", ctr, "/dev/null"), Map.of(), Duration.ofMinutes(3));
    }

    /**
     * The terminal's text without carriage returns and without the "^@" echo of a NUL that ctr's console
     * handling writes to the terminal at start (it appears the same way with runc).
     */
    private static String terminalText(Commands.Result r) {
        return r.stdout().replace("\r", "").replace("^@", "");
    }

    @Test
    void runAndExecWithATerminalSeeATtyOfTheClientsSize() throws Exception {
        String id = "e2e-tty-" + ProcessHandle.current().pid();
        Commands.Result run = ctrInTerminal("run -t --rm --runtime " + RUNTIME + " " + image + " " + id
                + " sh -c '[ -t 0 ] && echo tty-in; [ -t 1 ] && echo tty-out; tty; sleep 1; stty size; exit 6'");
        String out = terminalText(run);
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(6);
        assertThat(out).contains("tty-in\ntty-out\n/dev/pts/0\n40 120\n");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();

        String daemon = id + "-d";
        assertThat(containerd.ctr(List.of("run", "-d", "--runtime", RUNTIME, image, daemon, "sleep", "600"),
                Duration.ofMinutes(3)).exitCode()).isZero();
        Commands.Result exec = ctrInTerminal("task exec -t --exec-id t1 " + daemon
                + " sh -c '[ -t 0 ] && echo exec-tty; tty; sleep 1; stty size'");
        assertThat(exec.exitCode()).as(exec.describe()).isZero();
        assertThat(terminalText(exec)).contains("exec-tty\n/dev/pts/0\n40 120\n");
        removeTask(daemon);
        assertThat(Leaks.awaitNone(daemon, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
