package dev.katajava.shim.io;

import dev.katajava.linux.Fifos;
import dev.katajava.logging.Log;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@code binary://} log URI: containerd's logging-binary contract. The binary runs with the URI's query
 * pairs as arguments and CONTAINER_ID/CONTAINER_NAMESPACE in its environment, reads stdout on fd 3 and
 * stderr on fd 4, and signals readiness by writing to or closing fd 5; the container starts only then.
 *
 * <p>A JVM cannot place descriptors at chosen numbers in a child, so the streams are FIFOs that a
 * {@code sh} trampoline opens onto 3, 4 and 5 before exec'ing the binary.
 */
public final class BinaryLogger {
    private static final Log LOG = Log.of("io");
    private static final String TRAMPOLINE = "exec 3<\"$1\" 4<\"$2\" 5>\"$3\"; shift 3; exec \"$@\"";
    private static final long READY_TIMEOUT_MS = 30_000;
    /** How long a logger may take to finish after its streams closed (Kata's grace period). */
    private static final long EXIT_GRACE_MS = 12_000;

    private final Process process;
    private final Path dir;
    private final OutputSink stdout;
    private final OutputSink stderr;

    private BinaryLogger(Process process, Path dir, OutputSink stdout, OutputSink stderr) {
        this.process = process;
        this.dir = dir;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static boolean isBinaryUri(String target) {
        return target.startsWith("binary://");
    }

    /** Starts the logger named by {@code uri} and returns once it is ready to read. */
    public static BinaryLogger start(String uri, String containerId, String namespace) throws IOException {
        URI parsed = URI.create(uri);
        if (parsed.getPath() == null || !parsed.getPath().startsWith("/")) {
            throw new IOException("binary log URI needs an absolute path: " + uri);
        }
        if (!Files.isRegularFile(Path.of(parsed.getPath())) || !Files.isExecutable(Path.of(parsed.getPath()))) {
            throw new IOException("logging binary " + parsed.getPath() + " is not an executable file (from " + uri + ")");
        }
        Path dir = Files.createTempDirectory("kata-log-");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Path ready = dir.resolve("ready");
        for (Path fifo : List.of(out, err, ready)) {
            Fifos.mkfifo(fifo.toString(), 0600);
        }
        OutputSink stdoutSink = OutputSink.open(out.toString());
        OutputSink stderrSink = OutputSink.open(err.toString());
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", TRAMPOLINE, "sh", out.toString(), err.toString(),
                ready.toString(), parsed.getPath()));
        cmd.addAll(queryArguments(parsed.getRawQuery()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("CONTAINER_ID", containerId);
        pb.environment().put("CONTAINER_NAMESPACE", namespace);
        Process process = pb.start();
        BinaryLogger logger = new BinaryLogger(process, dir, stdoutSink, stderrSink);
        logger.awaitReady(uri, ready);
        return logger;
    }

    /** containerd's argument list: each query key, followed by its first value when it has one. */
    static List<String> queryArguments(String rawQuery) {
        List<String> args = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return args;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            args.add(key);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!value.isEmpty()) {
                args.add(value);
            }
        }
        return args;
    }

    private void awaitReady(String uri, Path ready) throws IOException {
        CompletableFuture<Void> signalled = CompletableFuture.runAsync(() -> {
            try (InputStream in = Files.newInputStream(ready)) {
                in.read();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
        try {
            CompletableFuture.anyOf(signalled, process.onExit()).get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("logging binary " + uri + " did not become ready: " + e.getMessage(), e);
        }
        if (!signalled.isDone()) {
            close();
            throw new IOException("logging binary " + uri + " exited with code " + process.exitValue()
                    + " before it was ready");
        }
    }

    public OutputSink stdout() {
        return stdout;
    }

    public OutputSink stderr() {
        return stderr;
    }

    /** After both streams were closed: lets the logger finish, killing it after the grace period. */
    public void close() {
        try {
            if (!process.waitFor(EXIT_GRACE_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("logging binary did not exit; killing it", "pid", process.pid());
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A temp directory left behind holds nothing but FIFO names.
        }
    }
}
