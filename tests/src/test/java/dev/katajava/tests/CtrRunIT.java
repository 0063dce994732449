package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.BusyboxImage;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ctr run --runtime io.containerd.kata.v2}: the skeleton's whole path, through a real containerd and QEMU. */
class CtrRunIT {
    private static final Path PREFIX = Path.of(System.getProperty("kata.prefix"));
    private static PrivateContainerd containerd;
    private static String image;

    @BeforeAll
    static void startContainerd() throws Exception {
        containerd = PrivateContainerd.start(PREFIX, Path.of(System.getProperty("kata.config")));
        image = BusyboxImage.importInto(containerd, Path.of(System.getProperty("kata.repo")));
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void runsTheCommandInTheGuestKernelAndReturnsItsExitCode() throws Exception {
        String id = "e2e-run-" + ProcessHandle.current().pid();
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", "io.containerd.kata.v2", image, id,
                "sh", "-c", "echo hello; uname -r; exit 3"), Duration.ofMinutes(3));

        String guestRelease = Files.readString(PREFIX.resolve("share/kata-containers/kernel-release")).strip();
        String hostRelease = Commands.run(List.of("uname", "-r"), java.util.Map.of(), Duration.ofSeconds(5)).stdout().strip();
        assertThat(run.exitCode()).as(run.describe() + "\ncontainerd log:\n" + tail(containerd.log())).isEqualTo(3);
        assertThat(run.stdout().lines().toList()).containsExactly("hello", guestRelease);
        assertThat(guestRelease).isNotEqualTo(hostRelease);
        assertThat(run.firstLine()).isNotNull();
        System.out.printf("ctr run --rm with a VM: first output line after %d ms, %d ms end to end%n",
                run.firstLine().toMillis(), run.elapsed().toMillis());

        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
        assertThat(containerd.ctr(List.of("containers", "ls", "-q"), Duration.ofSeconds(10)).stdout()).doesNotContain(id);
    }

    @Test
    void aFailingCommandIsReportedWithTheRuntimesMessage() throws Exception {
        String id = "e2e-missing-" + ProcessHandle.current().pid();
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", "io.containerd.kata.v2", image, id,
                "/no/such/program"), Duration.ofMinutes(3));

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("/no/such/program");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
        containerd.ctr(List.of("containers", "rm", id), Duration.ofSeconds(10));
    }

    @Test
    void taskEventsReachContainerdInLifecycleOrder() throws Exception {
        String id = "e2e-events-" + ProcessHandle.current().pid();
        Path log = Files.createTempFile("events", ".log");
        Process events = containerd.events(log);
        try {
            Thread.sleep(300);
            Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", "io.containerd.kata.v2", image, id,
                    "true"), Duration.ofMinutes(3));
            assertThat(run.exitCode()).as(run.describe()).isZero();
            Thread.sleep(500);
        } finally {
            events.destroy();
            events.waitFor();
        }
        List<String> topics = Files.readAllLines(log).stream()
                .filter(l -> l.contains(id) && l.contains("/tasks/"))
                .map(l -> l.replaceAll(".*(/tasks/[a-z-]+).*", "$1"))
                .toList();
        assertThat(topics).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete");
        Files.delete(log);
    }

    @Test
    void stdoutAndStderrAreDeliveredInFullBeforeTheTaskEnds() throws Exception {
        String id = "e2e-stdio-" + ProcessHandle.current().pid();
        // 20000 numbered lines on stdout, then a last word on stderr, and an immediate exit.
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", "io.containerd.kata.v2", image, id,
                "sh", "-c", "seq 1 20000; echo to-stderr >&2; exit 7"), Duration.ofMinutes(3));
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(7);
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).hasSize(20000);
        assertThat(lines.getFirst()).isEqualTo("1");
        assertThat(lines.getLast()).isEqualTo("20000");
        assertThat(run.stderr()).contains("to-stderr");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void largeOutputArrivesByteForByte() throws Exception {
        String id = "e2e-bulk-" + ProcessHandle.current().pid();
        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", "io.containerd.kata.v2", image, id,
                "seq", "1", "300000"), Duration.ofMinutes(5));
        Commands.Result expected = Commands.run(List.of("seq", "1", "300000"), java.util.Map.of(), Duration.ofMinutes(1));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout().length()).isEqualTo(expected.stdout().length());
        assertThat(run.stdout()).isEqualTo(expected.stdout());
    }

    private static String tail(Path file) throws java.io.IOException {
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
