package dev.katajava.virtcontainers.hooks;

import dev.katajava.logging.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs host hooks in the runtime's own namespaces, one after another in the spec's order, each with the
 * container's state on stdin, as runc does. The first that fails (cannot start, exits non-zero, is killed,
 * or outlives its timeout) stops the list and is reported with its name and the end of its output.
 */
public final class HookRunner {
    private static final Log LOG = Log.of("hooks");
    /** Enough of a failing hook's output to say why. */
    private static final int KEPT_OUTPUT = 4096;
    /** A hook's children may keep its output open after it exits; its output is not waited for longer. */
    private static final long OUTPUT_GRACE_MS = 1000;
    /** Sets argv[0] apart from the program, which ProcessBuilder cannot; bash is essential on Debian. */
    private static final String BASH = "/bin/bash";

    private final Path workDir;

    /** @param workDir where hooks start (the bundle, as under runc started by containerd) */
    public HookRunner(Path workDir) {
        this.workDir = workDir;
    }

    /** Runs {@code hooks} in order; throws at the first failure, which the caller reports as its own. */
    public void run(List<Hook> hooks, HookState state) throws HookException {
        for (Hook hook : hooks) {
            runOne(hook, state);
        }
    }

    /** Runs every hook of {@code hooks}; failures are logged and do not stop the rest (poststop). */
    public void runLoggingFailures(List<Hook> hooks, HookState state) {
        for (Hook hook : hooks) {
            try {
                runOne(hook, state);
            } catch (HookException e) {
                LOG.warn("hook failed; going on", "container", state.id(), "error", e.getMessage());
            }
        }
    }

    private void runOne(Hook hook, HookState state) throws HookException {
        long started = System.nanoTime();
        Process process;
        try {
            ProcessBuilder pb = new ProcessBuilder(command(hook)).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            for (String kv : hook.env()) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            process = pb.start();
        } catch (IOException e) {
            throw new HookException("hook " + hook.describe() + " cannot be run: " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> output = collect(process.getInputStream());
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(state.toJson());
        } catch (IOException e) {
            // A hook that does not read its state closes stdin early; that is its business.
        }
        boolean exited = true;
        try {
            if (hook.timeout().isPresent()) {
                exited = process.waitFor(hook.timeout().get().toMillis(), TimeUnit.MILLISECONDS);
            } else {
                process.waitFor();
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new HookException("interrupted while hook " + hook.describe() + " ran", e);
        }
        if (!exited) {
            kill(process);
            throw new HookException("hook " + hook.describe() + " timed out after " + hook.timeout().get().toSeconds()
                    + " s" + quoted(output));
        }
        int status = process.exitValue();
        if (status != 0) {
            String how = status > 128 ? "was killed by signal " + (status - 128) : "exited with status " + status;
            throw new HookException("hook " + hook.describe() + " " + how + quoted(output));
        }
        LOG.info("hook ran", "container", state.id(), "hook", hook.name(), "path", hook.path(),
                "ms", (System.nanoTime() - started) / 1_000_000);
    }

    private static List<String> command(Hook hook) {
        String program = hook.path().toString();
        if (hook.args().getFirst().equals(program)) {
            return hook.args();
        }
        List<String> cmd = new ArrayList<>(List.of(BASH, "-c", "p=$1; shift; exec -a \"$0\" \"$p\" \"$@\"",
                hook.args().getFirst(), program));
        cmd.addAll(hook.args().subList(1, hook.args().size()));
        return cmd;
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CompletableFuture<byte[]> collect(InputStream in) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    kept.write(buf, 0, n);
                    if (kept.size() > 2 * KEPT_OUTPUT) {
                        byte[] all = kept.toByteArray();
                        kept.reset();
                        kept.write(all, all.length - KEPT_OUTPUT, KEPT_OUTPUT);
                    }
                }
            } catch (IOException e) {
                // The hook is gone; what was read is what there is.
            }
            done.complete(kept.toByteArray());
        });
        return done;
    }

    private static String quoted(CompletableFuture<byte[]> output) {
        byte[] bytes;
        try {
            bytes = output.get(OUTPUT_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.length() > KEPT_OUTPUT) {
            text = "..." + text.substring(text.length() - KEPT_OUTPUT);
        }
        return text.isEmpty() ? " (no output)" : "; its output: " + text;
    }
}
