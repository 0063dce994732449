package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The VM cache end to end: {@code kata-runtime factory init} with {@code vm_cache_number = 2} keeps two paused
 * VMs, {@code ctr run} sandboxes take them (output as under runc), the cache refills, exec works, stopping the
 * server kills the cached VMs but not those handed out, a configuration the cache was not booted from and a
 * missing server boot cold saying why, and {@code factory destroy} reaps what a killed server left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmCacheIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static final String PID = Long.toString(ProcessHandle.current().pid());
    private static final Path ENDPOINT = Path.of("/run/kata-e2e-vmcache-" + PID + ".sock");
    private static final Pattern STATUS = Pattern.compile("vm cache: running, (\\d+) ready of (\\d+), booting (\\w+),"
            + " handed out (\\d+)");
    private static Path dir;
    private static Path config;
    private static Process server;

    @BeforeAll
    static void startCache() throws Exception {
        dir = Files.createTempDirectory("kata-e2e-vmcache");
        String text = Files.readString(E2eEnvironment.CONFIG)
                .replaceFirst("(?m)^enable_template = .*$", "enable_template = false")
                .replaceFirst("(?m)^vm_cache_number = .*$", "vm_cache_number = 2")
                .replaceFirst("(?m)^vm_cache_endpoint = .*$", "vm_cache_endpoint = \"" + ENDPOINT + "\"");
        assertThat(text).contains("vm_cache_number = 2", "vm_cache_endpoint = \"" + ENDPOINT);
        config = Files.writeString(dir.resolve("vmcache.toml"), text);
        server = new ProcessBuilder(E2eEnvironment.PREFIX.resolve("bin/kata-runtime").toString(), "--config",
                config.toString(), "factory", "init")
                .redirectOutput(dir.resolve("server.out").toFile())
                .redirectError(dir.resolve("server.err").toFile())
                .start();
        awaitStatus(2, Duration.ofMinutes(4));
    }

    @AfterAll
    static void stopCache() throws Exception {
        if (server != null && server.isAlive()) {
            server.destroy();
            server.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** {ready, target, handed out} from {@code factory status}, or null when no server answers. */
    private static int[] status() throws Exception {
        Commands.Result s = kataRuntime("factory", "status");
        assertThat(s.exitCode()).as(s.describe()).isZero();
        Matcher m = STATUS.matcher(s.stdout());
        return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(4))} : null;
    }

    private static int[] awaitStatus(int ready, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            assertThat(server.isAlive()).as("cache server alive; stderr: " + serverErr()).isTrue();
            int[] s = status();
            if (s != null && s[0] == ready) {
                return s;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the cache did not reach " + ready + " ready VMs in " + timeout
                        + "; server stderr: " + serverErr());
            }
            Thread.sleep(1000);
        }
    }

    private static String serverErr() {
        try {
            return Files.readString(dir.resolve("server.err"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static Commands.Result kataRuntime(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(E2eEnvironment.PREFIX.resolve("bin/kata-runtime").toString(),
                "--config", config.toString()));
        command.addAll(List.of(args));
        return Commands.run(command, Map.of(), Duration.ofMinutes(3));
    }

    private static Commands.Result run(String runtime, String id, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
        if (runtime.equals(RUNTIME)) {
            args.addAll(List.of("--runtime-config-path", config.toString()));
        }
        args.addAll(List.of(image, id));
        args.addAll(List.of(command));
        return ctr(args.toArray(String[]::new));
    }

    private static List<String> logLines(String id, String text) throws Exception {
        return Files.readAllLines(containerd.log()).stream()
                .filter(l -> l.contains(id) && l.contains(text)).toList();
    }

    /** Command lines of the QEMUs the cache booted (still named after their cache run directories). */
    private static List<String> cacheQemus() {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.map(p -> p.info().commandLine().orElse(""))
                    .filter(c -> c.contains("qemu-system") && c.contains("/vmcache-")).toList();
        }
    }

    private static List<Path> cacheDirs() throws Exception {
        List<Path> left = new ArrayList<>();
        for (Path base : List.of(Path.of("/run/vc/vm"), Path.of("/run/kata-containers/shared/sandboxes"))) {
            if (Files.isDirectory(base)) {
                try (Stream<Path> s = Files.list(base)) {
                    s.filter(p -> p.getFileName().toString().startsWith("vmcache-")).forEach(left::add);
                }
            }
        }
        return left;
    }

    @Test
    @Order(1)
    void ctrRunTakesACachedVmPrintsAsRuncDoesAndTheCacheRefills() throws Exception {
        String script = "echo hello-from-$(id -u); cat /proc/self/status | grep -c ^Name";
        Commands.Result runc = run(RUNC, "e2e-vmc-runc-" + PID, "sh", "-c", script);
        assertThat(runc.exitCode()).as(runc.describe()).isZero();
        for (int i = 0; i < 2; i++) {
            String id = "e2e-vmc-run-" + i + "-" + PID;
            Commands.Result r = run(RUNTIME, id, "sh", "-c", script);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).isEqualTo(runc.stdout());
            assertThat(logLines(id, "VM taken from the VM cache")).as("from the cache: " + id).hasSize(1);
            System.out.println("vmcache ctr run " + id + " took " + r.elapsed().toMillis() + " ms");
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
        }
        int[] s = awaitStatus(2, Duration.ofMinutes(4));
        assertThat(s[2]).as("handed out").isEqualTo(2);
    }

    @Test
    @Order(2)
    void stoppingTheServerKillsTheCachedVmsButNotAHandedOutOne() throws Exception {
        String id = "e2e-vmc-exec-" + PID;
        Commands.Result started = ctr("run", "-d", "--runtime", RUNTIME, "--runtime-config-path", config.toString(),
                image, id, "sleep", "300");
        assertThat(started.exitCode()).as(started.describe()).isZero();
        try {
            assertThat(logLines(id, "VM taken from the VM cache")).hasSize(1);
            Commands.Result before = ctr("task", "exec", "--exec-id", "e1", id, "echo", "exec-before");
            assertThat(before.stdout()).as(before.describe()).contains("exec-before");

            server.destroy();
            assertThat(server.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("server stops").isTrue();
            assertThat(status()).as("no server answers").isNull();
            assertThat(cacheQemus()).as("only the handed-out VM's QEMU is left").hasSize(1);
            assertThat(cacheDirs()).as("the cached VMs' directories are removed").isEmpty();

            Commands.Result after = ctr("task", "exec", "--exec-id", "e2", id, "echo", "exec-after");
            assertThat(after.exitCode()).as(after.describe()).isZero();
            assertThat(after.stdout()).contains("exec-after");
        } finally {
            removeTask(id);
        }
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
        assertThat(cacheQemus()).as("the handed-out VM's QEMU ends with its sandbox").isEmpty();
    }

    @Test
    @Order(3)
    void aConfigurationTheCacheWasNotBootedFromBootsColdAndAKilledServersVmsAreReapedByDestroy()
            throws Exception {
        server = new ProcessBuilder(E2eEnvironment.PREFIX.resolve("bin/kata-runtime").toString(), "--config",
                config.toString(), "factory", "init")
                .redirectOutput(dir.resolve("server2.out").toFile())
                .redirectError(dir.resolve("server.err").toFile())
                .start();
        awaitStatus(2, Duration.ofMinutes(4));
        Path other = Files.writeString(dir.resolve("other.toml"), Files.readString(config)
                .replaceFirst("(?m)^default_memory = .*$", "default_memory = 1536"));
        String id = "e2e-vmc-other-" + PID;
        Commands.Result r = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path", other.toString(),
                image, id, "echo", "other-ok");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("other-ok");
        assertThat(logLines(id, "booting cold, not from the VM cache")).singleElement().asString()
                .contains("another configuration");
        assertThat(status()[2]).as("nothing handed out").isZero();
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();

        server.destroyForcibly();
        assertThat(server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(cacheQemus()).as("a killed server cannot stop its cached VMs").hasSize(2);
        Commands.Result destroy = kataRuntime("factory", "destroy");
        assertThat(destroy.exitCode()).as(destroy.describe()).isZero();
        assertThat(destroy.stdout()).contains("removed 2 VMs a killed server left cached");
        assertThat(cacheQemus()).as("destroy kills what the killed server left").isEmpty();
        assertThat(cacheDirs()).isEmpty();
    }

    @Test
    @Order(4)
    void withoutAServerASandboxBootsColdSayingWhy() throws Exception {
        String id = "e2e-vmc-cold-" + PID;
        Commands.Result r = run(RUNTIME, id, "echo", "cold-ok");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("cold-ok");
        assertThat(logLines(id, "booting cold, not from the VM cache")).singleElement().asString()
                .contains(ENDPOINT.toString());
        System.out.println("cold ctr run " + id + " took " + r.elapsed().toMillis() + " ms");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }
}
