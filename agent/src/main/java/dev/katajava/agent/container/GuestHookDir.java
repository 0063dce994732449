package dev.katajava.agent.container;

import dev.katajava.logging.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Kata's {@code guest_hook_path}: OCI hooks that come with the guest image, in the subdirectories
 * {@code prestart}, {@code poststart} and {@code poststop} of one directory, run by the agent in the
 * guest's own namespaces for every container, in file-name order. Each gets argv {@code [path, kind]}, a
 * minimal PATH, and the container's state on stdin (its pid is the guest's). The directory is read each
 * time, so hooks placed after boot count. A failing prestart fails the create, a failing poststart the
 * start; poststop failures are logged.
 */
public final class GuestHookDir {
    public static final GuestHookDir NONE = new GuestHookDir(null);
    private static final Log LOG = Log.of("hooks");
    /** Guest hooks come with no timeout of their own; a hung one must not hold the agent for ever. */
    private static final long TIMEOUT_SECONDS = 60;
    private static final int KEPT_OUTPUT = 2048;

    private final Path dir;

    private GuestHookDir(Path dir) {
        this.dir = dir;
    }

    /** The hooks under {@code dir}; none for an empty path. */
    public static GuestHookDir at(String dir) {
        return dir == null || dir.isEmpty() ? NONE : new GuestHookDir(Path.of(dir));
    }

    public void prestart(Container c) throws ContainerException {
        run("prestart", c, "created");
    }

    public void poststart(Container c) throws ContainerException {
        run("poststart", c, "running");
    }

    public void poststop(Container c) {
        try {
            run("poststop", c, "stopped");
        } catch (ContainerException e) {
            LOG.warn("guest hook failed; going on", "container", c.id(), "error", e.getMessage());
        }
    }

    private void run(String kind, Container c, String status) throws ContainerException {
        if (dir == null) {
            return;
        }
        String state = HookRecords.state(c.id(), c.spec(), status, c.init().pid());
        for (Path hook : hooks(kind)) {
            runOne(kind, hook, state);
        }
    }

    /** Executable regular files of the kind's directory, by name. */
    List<Path> hooks(String kind) {
        Path sub = dir.resolve(kind);
        if (!Files.isDirectory(sub)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(sub)) {
            return files.filter(f -> Files.isRegularFile(f) && Files.isExecutable(f)).sorted().toList();
        } catch (IOException e) {
            LOG.warn("cannot list guest hooks", "dir", sub, "error", e.getMessage());
            return List.of();
        }
    }

    private static void runOne(String kind, Path hook, String state) throws ContainerException {
        String name = "guest " + kind + " hook " + hook;
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(hook.toString(), kind).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            p = pb.start();
        } catch (IOException e) {
            throw ContainerException.invalid(name + " cannot be run: " + e.getMessage());
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(state.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // A hook that does not read its state closes stdin early.
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.startVirtualThread(() -> {
            try (InputStream s = p.getInputStream()) {
                byte[] buf = s.readNBytes(KEPT_OUTPUT);
                out.writeBytes(buf);
                s.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // Gone with the hook.
            }
        });
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw ContainerException.invalid(name + " timed out after " + TIMEOUT_SECONDS + " s");
            }
            reader.join(1000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw ContainerException.invalid("interrupted while " + name + " ran");
        }
        if (p.exitValue() != 0) {
            String said = out.toString(StandardCharsets.UTF_8).strip();
            throw ContainerException.invalid(name + " exited with status " + p.exitValue()
                    + (said.isEmpty() ? "" : ": " + said));
        }
        LOG.info("guest hook ran", "hook", hook, "kind", kind);
    }
}
