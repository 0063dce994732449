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
 * {@link #startWithCri} also enables the CRI plugin, as a Kubernetes node runs it (see {@link CriClient}).
 */
public final class PrivateContainerd implements AutoCloseable {
    public static final String NAMESPACE = "kata-e2e";
    /** The namespace containerd's CRI plugin keeps its pods, containers and images in. */
    public static final String CRI_NAMESPACE = "k8s.io";
    /** The CRI runtime handlers the CRI configuration names. */
    public static final String KATA_HANDLER = "kata";
    public static final String RUNC_HANDLER = "runc";

    private final Path dir;
    private final Path prefix;
    private final Path kataConfig;
    private final Map<String, String> env;
    private final CniNetwork cni;
    private Process process;

    private PrivateContainerd(Path dir, Path prefix, Path kataConfig, Map<String, String> env, CniNetwork cni) {
        this.dir = dir;
        this.prefix = prefix;
        this.kataConfig = kataConfig;
        this.env = Map.copyOf(env);
        this.cni = cni;
    }

    public static PrivateContainerd start(Path prefix, Path kataConfig) throws IOException, InterruptedException {
        return start(prefix, kataConfig, Map.of());
    }

    /** A containerd whose environment, and so its shims', also has {@code env}. */
    public static PrivateContainerd start(Path prefix, Path kataConfig, Map<String, String> env)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kata-e2e-containerd");
        PrivateContainerd c = new PrivateContainerd(dir, prefix, kataConfig, env, null);
        c.launch();
        return c;
    }

    /**
     * A containerd with its CRI plugin enabled: runtime handlers {@code kata} (the staged shim and
     * configuration) and {@code runc}, a {@link CniNetwork} of its own, and the locally built pause image as
     * {@code sandbox_image}, already imported into {@link #CRI_NAMESPACE}.
     */
    public static PrivateContainerd startWithCri(Path prefix, Path kataConfig, Path repo)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kata-e2e-cri");
        CniNetwork cni;
        try {
            cni = CniNetwork.create(dir);
        } catch (IOException e) {
            Commands.run(List.of("rm", "-rf", dir.toString()), Map.of(), Duration.ofSeconds(30));
            throw e;
        }
        PrivateContainerd c = new PrivateContainerd(dir, prefix, kataConfig, Map.of(), cni);
        try {
            c.launch();
            PauseImage.importInto(c, CRI_NAMESPACE, repo);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The CNI network of a containerd started {@link #startWithCri with CRI}. */
    public CniNetwork cni() {
        if (cni == null) {
            throw new IllegalStateException("this containerd runs without its CRI plugin");
        }
        return cni;
    }

    private String criSection() {
        if (cni == null) {
            return "";
        }
        // The streaming server (Exec/Attach/PortForward) listens on a free port of loopback only. No pod may
        // get a lower oom_score_adj than containerd's (the sandbox asks -998): hosts that run the tests inside a
        // container may lack CAP_SYS_RESOURCE, as kind's nodes do.
        return """
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%s"
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
                      runtime_type = "io.containerd.kata.v2"
                      runtime_path = "%s"
                      privileged_without_host_devices = true
                      pod_annotations = ["io.katacontainers.*"]
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
                        ConfigPath = "%s"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%s"
                    conf_dir = "%s"
                    max_conf_num = 1
                """.formatted(PauseImage.NAME, prefix.resolve("bin/containerd-shim-kata-v2"), kataConfig,
                CniNetwork.BIN_DIR, cni.confDir());
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
                disabled_plugins = [%s]
                [grpc]
                  address = "%s/containerd.sock"
                [ttrpc]
                  address = "%s/containerd.sock.ttrpc"
                [debug]
                  level = "info"
                """.formatted(dir, dir, cni == null ? "\"io.containerd.grpc.v1.cri\"" : "", dir, dir) + criSection());
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
        return ctrIn(NAMESPACE, args, timeout);
    }

    /** Runs {@code ctr} against this containerd in {@code namespace}. */
    public Commands.Result ctrIn(String namespace, List<String> args, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket().toString(), "--namespace", namespace));
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
        if (cni != null) {
            cni.close();
        }
        // The snapshotter's mounts are gone with their containers; remove what containerd left.
        Commands.run(List.of("rm", "-rf", dir.toString()), Map.of(), Duration.ofSeconds(30));
    }
}
