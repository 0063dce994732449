package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of the test's own: root, state and both sockets under a temporary directory, so the
 * system's containerd (if any) is never touched. Its PATH starts with the staged install's bin/, which
 * is how it finds containerd-shim-kata-v2, and KATA_CONF_FILE points at the staged configuration.
 */
public final class PrivateContainerd implements AutoCloseable {
    public static final String NAMESPACE = "kata-e2e";

    private final Path dir;
    private final Path prefix;
    private final Path kataConfig;
    private final Map<String, String> env;
    private Process process;

    private PrivateContainerd(Path dir, Path prefix, Path kataConfig, Map<String, String> env) {
        this.dir = dir;
        this.prefix = prefix;
        this.kataConfig = kataConfig;
        this.env = Map.copyOf(env);
    }

    public static PrivateContainerd start(Path prefix, Path kataConfig) throws IOException, InterruptedException {
        return start(prefix, kataConfig, Map.of());
    }

    /** A containerd whose environment, and so its shims', also has {@code env}. */
    public static PrivateContainerd start(Path prefix, Path kataConfig, Map<String, String> env)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kata-e2e-containerd");
        PrivateContainerd c = new PrivateContainerd(dir, prefix, kataConfig, env);
        c.launch();
        return c;
    }

    /** Stops containerd (as a service manager would) and starts it again on the same root and state. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%s/root"
                state = "%s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s/containerd.sock"
                [ttrpc]
                  address = "%s/containerd.sock.ttrpc"
                [debug]
                  level = "info"
                """.formatted(dir, dir, dir, dir));
        ProcessBuilder pb = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("containerd.log").toFile()));
        pb.environment().put("PATH", prefix.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("KATA_CONF_FILE", kataConfig.toString());
        // The JVM announces these on stderr, which containerd would read as part of the shim's address:
        // every end-to-end run proves the shim keeps its start output clean anyway.
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dkata.e2e=1");
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("containerd exited: " + Files.readString(log()));
            }
            if (Files.exists(socket()) && ctr(List.of("version"), Duration.ofSeconds(5)).exitCode() == 0) {
                return;
            }
            Thread.sleep(50);
        }
        close();
        throw new IOException("containerd did not come up; log: " + Files.readString(log()));
    }

    /** containerd's own process, e.g. to count the file descriptors it holds. */
    public long pid() {
        return process.pid();
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public Path root() {
        return dir.resolve("root");
    }

    public Path state() {
        return dir.resolve("state");
    }

    public Path log() {
        return dir.resolve("containerd.log");
    }

    /** Starts {@code ctr events} for this containerd; its output goes to {@code out}. */
    public Process events(Path out) throws IOException {
        return new ProcessBuilder("ctr", "--address", socket().toString(), "events")
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
    }

    /** Runs {@code ctr} against this containerd in the test namespace. */
    public Commands.Result ctr(List<String> args, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket().toString(), "--namespace", NAMESPACE));
        cmd.addAll(args);
        return Commands.run(cmd, Map.of(), timeout);
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        // The snapshotter's mounts are gone with their containers; remove what containerd left.
        Commands.run(List.of("rm", "-rf", dir.toString()), Map.of(), Duration.ofSeconds(30));
    }
}
