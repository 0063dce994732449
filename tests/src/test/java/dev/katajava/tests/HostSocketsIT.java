package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.HostSocketServer;
import dev.katajava.tests.support.Leaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host Unix sockets brought into a container by bind mounts: a daemon written here listens on the host and
 * clients in the container (a static client built here: busybox's nc has no Unix sockets) talk to it,
 * under runc and under our runtime, through the same containerd.
 */
class HostSocketsIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static final long GIB = 1L << 30;

    @TempDir
    static Path tools;
    private static Path sockcat;

    @TempDir
    Path dir;
    private final List<HostSocketServer> servers = new ArrayList<>();

    @BeforeAll
    static void buildClient() throws Exception {
        Path source = tools.resolve("sockcat.c");
        try (var in = HostSocketsIT.class.getResourceAsStream("sockcat.c")) {
            Files.copy(in, source);
        }
        sockcat = tools.resolve("sockcat");
        Commands.Result cc = Commands.run(List.of("gcc", "-static", "-O2", "-o", sockcat.toString(),
                source.toString()), Map.of(), Duration.ofMinutes(2));
        assertThat(cc.exitCode()).as(cc.describe()).isZero();
    }

    @BeforeEach
    void openDirectory() throws Exception {
        // The container's users must be able to reach the sockets, as under runc.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stopServers() throws Exception {
        for (HostSocketServer s : servers) {
            s.close();
        }
    }

    private HostSocketServer serve(Path path) throws Exception {
        Files.createDirectories(path.getParent());
        HostSocketServer s = HostSocketServer.start(path);
        servers.add(s);
        return s;
    }

    private static List<String> mounts(String... specs) {
        List<String> args = new ArrayList<>(List.of("--mount", "type=bind,src=" + sockcat + ",dst=/sockcat,options=rbind:ro"));
        for (String s : specs) {
            args.add("--mount");
            args.add(s);
        }
        return args;
    }

    private static Commands.Result run(String runtime, String id, List<String> mounts, String script,
            Duration timeout) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
        args.addAll(mounts);
        args.addAll(List.of(image, id, "sh", "-c", script));
        try {
            return containerd.ctr(args, timeout);
        } catch (IOException e) {
            // The shim's last words say where a connection stopped.
            String log = Files.readString(containerd.log());
            throw new IOException(e.getMessage() + "\ncontainerd log ends with:\n"
                    + log.substring(Math.max(0, log.length() - 20_000)), e);
        }
    }

    private static String id(String name, String runtime) {
        return "e2e-hs-" + name + "-" + (runtime.equals(RUNC) ? "runc" : "kata") + "-" + ProcessHandle.current().pid();
    }

    @Test
    void clientsTalkToHostSocketsThroughFileDirectoryAndReadOnlyBindsAsUnderRunc() throws Exception {
        Path sockets = dir.resolve("sockets");
        serve(sockets.resolve("api.sock"));
        serve(sockets.resolve("sub/nested.sock"));
        Path single = serve(dir.resolve("single/only.sock")).path();
        Files.setPosixFilePermissions(sockets.resolve("api.sock"), PosixFilePermissions.fromString("rw-rw----"));
        Files.setAttribute(sockets.resolve("api.sock"), "unix:uid", 1234);
        Files.setAttribute(sockets.resolve("api.sock"), "unix:gid", 5678);
        List<String> mounts = mounts(
                "type=bind,src=" + sockets + ",dst=/run/sockets,options=rbind:ro",
                "type=bind,src=" + single + ",dst=/only.sock,options=bind:rw");
        String script = "stat -c '%n %a %u %g %F' /run/sockets/api.sock /only.sock;"
                + " printf 'ECHO\\nhello through a directory\\n' | /sockcat /run/sockets/api.sock; echo rc=$?;"
                + " printf 'ECHO\\nhello through a nested one\\n' | /sockcat /run/sockets/sub/nested.sock; echo rc=$?;"
                + " printf 'ECHO\\nhello through a file bind\\n' | /sockcat /only.sock; echo rc=$?;"
                + " printf 'GEN 5\\n' | /sockcat /only.sock | wc -c";

        Commands.Result runc = run(RUNC, id("basic", RUNC), mounts, script, Duration.ofMinutes(2));
        String kataId = id("basic", RUNTIME);
        Commands.Result kata = run(RUNTIME, kataId, mounts, script, Duration.ofMinutes(3));

        assertThat(runc.exitCode()).as(runc.describe()).isZero();
        assertThat(runc.stdout()).contains("/run/sockets/api.sock 660 1234 5678 socket")
                .contains("""
                        hello through a directory
                        rc=0
                        hello through a nested one
                        rc=0
                        hello through a file bind
                        rc=0
                        5
                        """);
        assertThat(kata.exitCode()).as(kata.describe()).isZero();
        assertThat(kata.stdout()).isEqualTo(runc.stdout());
        assertThat(Leaks.awaitNone(kataId, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void fiftyConnectionsAreOpenAtOnceAsUnderRunc() throws Exception {
        Path sockets = dir.resolve("many");
        HostSocketServer server = serve(sockets.resolve("hold.sock"));
        String script = "for i in $(seq 1 50); do (printf 'HOLD\\n' | /sockcat /s/hold.sock > /tmp/out.$i) & done;"
                + " wait; cat /tmp/out.* | sort | uniq -c";
        List<String> mounts = mounts("type=bind,src=" + sockets + ",dst=/s,options=rbind");
        List<String> outputs = new ArrayList<>();
        for (String runtime : List.of(RUNC, RUNTIME)) {
            server.holdFor(50);
            Commands.Result r = run(runtime, id("fifty", runtime), mounts, script, Duration.ofMinutes(4));
            System.out.println("under " + runtime + " the daemon has accepted " + server.accepted()
                    + " connections in all; without a request line: " + server.withoutRequest());
            assertThat(r.exitCode()).as(r.describe()).isZero();
            outputs.add(r.stdout().strip());
        }
        assertThat(outputs.get(0)).isEqualTo("50 held");
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        assertThat(Leaks.awaitNone(id("fifty", RUNTIME), containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aGibibyteCrossesEachWayByteExactAsUnderRunc() throws Exception {
        Path sockets = dir.resolve("bulk");
        serve(sockets.resolve("bulk.sock"));
        String expected = HostSocketServer.generatedSha256(GIB) + " " + GIB;
        // One connection brings 1 GiB in, a second takes the same bytes out; the host hashes what came back.
        String script = "printf 'GEN " + GIB + "\\n' | /sockcat /s/bulk.sock"
                + " | { printf 'SINK\\n'; cat; } | /sockcat /s/bulk.sock";
        List<String> mounts = mounts("type=bind,src=" + sockets + ",dst=/s,options=rbind");
        for (String runtime : List.of(RUNC, RUNTIME)) {
            long started = System.nanoTime();
            Commands.Result r = run(runtime, id("gib", runtime), mounts, script, Duration.ofMinutes(15));
            long ms = (System.nanoTime() - started) / 1_000_000;
            System.out.println("1 GiB each way under " + runtime + ": " + ms + " ms");
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout().strip()).as(runtime).isEqualTo(expected);
        }
        assertThat(Leaks.awaitNone(id("gib", RUNTIME), containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aRestartingDaemonAndAContainerThatNeverReadsNeitherHangNorBufferWithoutBound() throws Exception {
        Path sockets = dir.resolve("restart");
        Path path = sockets.resolve("d.sock");
        List<String> mounts = mounts("type=bind,src=" + sockets + ",dst=/s,options=rbind");
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String id = id("restart", runtime);
            Files.createDirectories(sockets);
            HostSocketServer first = HostSocketServer.start(path);
            List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", runtime));
            args.addAll(mounts);
            args.addAll(List.of(image, id, "sleep", "600"));
            Commands.Result started = containerd.ctr(args, Duration.ofMinutes(3));
            assertThat(started.exitCode()).as(started.describe()).isZero();
            String ask = "printf 'ECHO\\nstill there\\n' | /sockcat /s/d.sock; echo rc=$?";

            assertThat(exec(id, "a", ask).stdout()).as(runtime).isEqualTo("still there\nrc=0\n");
            first.close();
            // Nobody listens: under runc the connect is refused; here the connection closes at once. No hang.
            Commands.Result down = exec(id, "b", ask);
            assertThat(down.stdout()).as(runtime).doesNotContain("still there").contains("rc=");
            HostSocketServer second = serve(path);
            assertThat(exec(id, "c", ask).stdout()).as(runtime).isEqualTo("still there\nrc=0\n");

            // The client's stdout is a pipe nobody reads: the daemon must soon be unable to write more.
            CompletableFuture<Commands.Result> stuck = CompletableFuture.supplyAsync(() -> {
                try {
                    return exec(id, "d", "printf 'FLOOD\\n' | /sockcat /s/d.sock | sleep 25");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(15_000);
            long atFifteen = second.flooded();
            Thread.sleep(5_000);
            long atTwenty = second.flooded();
            System.out.println("never-reading container under " + runtime + ": daemon wrote " + atTwenty + " bytes");
            assertThat(atTwenty).as(runtime).isPositive().isLessThan(32L << 20);
            assertThat(atTwenty - atFifteen).as(runtime + ": still writing").isLessThan(1L << 20);
            assertThat(stuck.get().exitCode()).as(runtime).isZero();
            removeTask(id);
            if (runtime.equals(RUNTIME)) {
                assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
            }
            second.close();
            servers.remove(second);
        }
    }

    private static Commands.Result exec(String id, String execId, String script) throws Exception {
        return containerd.ctr(List.of("task", "exec", "--exec-id", execId, id, "sh", "-c", script),
                Duration.ofMinutes(2));
    }
}
