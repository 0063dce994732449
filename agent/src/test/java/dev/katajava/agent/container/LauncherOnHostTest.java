package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.protocols.agent.Process;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spare launcher, on the host as root with the real nsexec. */
class LauncherOnHostTest {
    private static final Duration REFILL = Duration.ofMillis(50);
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private HostFixture fixture;
    private Launcher launcher;
    private ContainerRuntime runtime;

    @BeforeEach
    void hostFixture() throws Exception {
        fixture = HostFixture.in(dir);
        launcher = Launcher.withSpare(HostFixture.NSEXEC, REFILL);
        runtime = fixture.runtime(launcher);
    }

    @AfterEach
    void releaseFixture() throws Exception {
        fixture.close();
    }

    @Test
    void aSpareServesTheNextLaunchAndWhatFollowsThePathLineIsTheContainersStdin() throws Exception {
        Container first = Container.create("first", fixture.spec(List.of("sh", "-c", ":")), runtime);
        first.start();
        awaitSpare(true);
        java.lang.Process spare = spareProcess();

        Container second = Container.create("second", fixture.spec(List.of("cat")), runtime);
        assertThat(launcher.hasSpare()).as("the spare was taken").isFalse();
        assertThat(parentOf(second.initPid())).as("the init's launcher is the spare").isEqualTo(spare.pid());
        second.start();
        try (OutputStream in = second.init().stdin()) {
            in.write("to the container\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(new String(second.init().stdout().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("to the container\n");
        assertThat(second.waitProcess("")).isZero();
        assertThat(spare.waitFor(10, TimeUnit.SECONDS)).as("the spare ends with its container").isTrue();
        awaitSpare(true);
        first.destroy(5);
        second.destroy(5);
    }

    @Test
    void aDeadSpareIsPassedOverAndAnExecStillStarts() throws Exception {
        Container c = Container.create("c", fixture.spec(List.of("sleep", "60")), runtime);
        c.start();
        awaitSpare(true);
        java.lang.Process spare = spareProcess();
        spare.destroyForcibly().waitFor();

        ContainerProcess p = c.exec("e", Process.newBuilder().addAllArgs(List.of("echo", "exec ran"))
                .addEnv("PATH=/bin").setCwd("/").build());
        assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("exec ran\n");
        awaitSpare(true);
        c.destroy(5);
    }

    @Test
    void aSpareGivenNoConfigExitsQuietlyWhenItsStdinEnds() throws Exception {
        launcher.refillNow();
        awaitSpare(true);
        java.lang.Process spare = spareProcess();
        spare.getOutputStream().close();
        assertThat(spare.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(spare.exitValue()).isZero();
        assertThat(new String(spare.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void withoutASpareEveryLaunchStartsItsOwn() throws Exception {
        Launcher plain = Launcher.withoutSpare(HostFixture.NSEXEC);
        Container c = Container.create("plain", fixture.spec(List.of("echo", "plain")), fixture.runtime(plain));
        c.start();
        assertThat(new String(c.init().stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("plain\n");
        plain.refillNow();
        Thread.sleep(REFILL.toMillis() * 4);
        assertThat(plain.hasSpare()).isFalse();
        c.destroy(5);
    }

    private void awaitSpare(boolean wanted) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (launcher.hasSpare() != wanted && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(launcher.hasSpare()).as("a spare launcher is ready").isEqualTo(wanted);
    }

    private static long parentOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3)[1]);
    }

    private java.lang.Process spareProcess() throws IOException {
        java.lang.Process spare = launcher.currentSpare();
        if (spare == null) {
            throw new IOException("no spare");
        }
        return spare;
    }
}
