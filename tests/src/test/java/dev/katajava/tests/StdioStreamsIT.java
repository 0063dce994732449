package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.DigestedRun;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Container stdio in bulk, under our runtime and under runc through the same containerd: a gibibyte of
 * output byte for byte, many processes carrying stdin, stdout and stderr at once, and a VM that dies while
 * a stream is flowing.
 */
class StdioStreamsIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static final int MIB = 1 << 20;
    private static Path data;
    private static byte[] block;

    @BeforeAll
    static void makeData() throws Exception {
        data = Files.createTempDirectory("stdio-streams");
        Random random = new Random(16);
        block = new byte[4 * MIB];
        random.nextBytes(block);
        Files.write(data.resolve("block"), block);
        for (int i = 0; i < 4; i++) {
            byte[] in = new byte[8 * MIB + i * 4099];
            random.nextBytes(in);
            Files.write(data.resolve("in-" + i), in);
        }
    }

    @AfterAll
    static void removeData() throws Exception {
        try (Stream<Path> files = Files.list(data)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(data);
    }

    private static List<String> ctrCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", containerd.socket().toString(),
                "--namespace", PrivateContainerd.NAMESPACE));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String dataMount() {
        return "type=bind,src=" + data + ",dst=/data,options=rbind:ro";
    }

    @Test
    void aGibibyteOfStdoutArrivesByteForByteAsUnderRunc() throws Exception {
        // 256 copies of a 4 MiB random block, written from the container's memory (/dev/shm), not the share.
        String script = "cp /data/block /dev/shm/b; i=0; while [ $i -lt 256 ]; do cat /dev/shm/b; i=$((i+1)); done";
        String expected = DigestedRun.sha256Repeated(block, 256);
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String id = "e2e-gib-" + (runtime.equals(RUNC) ? "runc-" : "") + ProcessHandle.current().pid();
            DigestedRun run = DigestedRun.start(ctrCommand("run", "--rm", "--runtime", runtime, "--mount", dataMount(),
                    image, id, "sh", "-ec", script), Path.of("/dev/null"));
            DigestedRun.Result r = run.await(Duration.ofMinutes(15));
            assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
            assertThat(r.stdout().bytes()).as(runtime).isEqualTo(1024L * MIB);
            assertThat(r.stdout().sha256()).as(runtime + ": byte-exact output").isEqualTo(expected);
            System.out.printf("1 GiB of stdout through ctr run, %s: %d ms launch to exit (%.1f MB/s)%n", runtime,
                    r.elapsed().toMillis(), 1024.0 * MIB / (r.elapsed().toNanos() / 1e9) / 1e6);
            if (runtime.equals(RUNTIME)) {
                assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
            }
        }
    }

    @Test
    void manyExecsAtOnceCarryStdinStdoutAndStderrByteForByteAsUnderRunc() throws Exception {
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String id = "e2e-streams-" + (runtime.equals(RUNC) ? "runc-" : "") + ProcessHandle.current().pid();
            assertThat(ctr("run", "-d", "--runtime", runtime, "--mount", dataMount(), image, id, "sleep", "600")
                    .exitCode()).isZero();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Path in = data.resolve("in-" + i);
                String want = DigestedRun.sha256Repeated(Files.readAllBytes(in), 1) + "  -\n";
                all.add(exec(ctrCommand("task", "exec", "--exec-id", "in-" + i, id, "sha256sum"), in, r -> {
                    assertThat(r.stdout().head()).as(runtime + " stdin " + in + ": " + r.describe()).isEqualTo(want);
                }));
                all.add(exec(ctrCommand("task", "exec", "--exec-id", "out-" + i, id, "sh", "-c",
                        "cat /data/block & cat /data/block /data/block >&2; wait"), Path.of("/dev/null"), r -> {
                    assertThat(r.stdout().sha256()).as(runtime + " stdout: " + r.describe())
                            .isEqualTo(DigestedRun.sha256Repeated(block, 1));
                    assertThat(r.stderr().sha256()).as(runtime + " stderr: " + r.describe())
                            .isEqualTo(DigestedRun.sha256Repeated(block, 2));
                }));
            }
            for (CompletableFuture<Void> f : all) {
                f.get(15, TimeUnit.MINUTES);
            }
            // Short execs back to back after the crowd: each gets its own streams and all of its output.
            for (int i = 0; i < 5; i++) {
                var r = ctr("task", "exec", "--exec-id", "seq-" + i, id, "sh", "-c", "echo out-" + i + "; echo err-" + i + " >&2");
                assertThat(r.exitCode()).as(r.describe()).isZero();
                assertThat(r.stdout()).isEqualTo("out-" + i + "\n");
                assertThat(r.stderr()).isEqualTo("err-" + i + "\n");
            }
            removeTask(id);
            if (runtime.equals(RUNTIME)) {
                assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
            }
        }
    }

    private interface Check {
        void accept(DigestedRun.Result r) throws Exception;
    }

    private static CompletableFuture<Void> exec(List<String> command, Path stdin, Check check) throws Exception {
        DigestedRun run = DigestedRun.start(command, stdin);
        return CompletableFuture.runAsync(() -> {
            try {
                DigestedRun.Result r = run.await(Duration.ofMinutes(10));
                assertThat(r.exitCode()).as(r.describe()).isZero();
                check.accept(r);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    @Test
    void aVmDyingWhileOutputFlowsEndsTheTaskWith255AndLeavesNothing() throws Exception {
        String id = "e2e-streamdeath-" + ProcessHandle.current().pid();
        DigestedRun run = DigestedRun.start(ctrCommand("run", "--rm", "--runtime", RUNTIME, image, id,
                "cat", "/dev/zero"), Path.of("/dev/null"));
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (run.stdoutSoFar() < 16L * MIB && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(run.stdoutSoFar()).as("output flowing before the VM is killed").isGreaterThanOrEqualTo(16L * MIB);
        ProcessHandle qemu;
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            qemu = all.filter(p -> p.info().commandLine().orElse("").contains("sandbox-" + id)).findFirst()
                    .orElseThrow();
        }
        qemu.destroyForcibly();
        DigestedRun.Result r = run.await(Duration.ofMinutes(2));
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(255);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }
}
