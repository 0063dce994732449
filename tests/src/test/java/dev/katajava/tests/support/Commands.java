package dev.katajava.tests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion, collecting its output, with a hard time limit. */
public final class Commands {
    /** How long output may keep arriving after the process ended (a grandchild holding the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    /**
     * How a command ended, what it printed and how long it took.
     *
     * @param elapsed   from launching the command to its exit
     * @param firstLine from launching the command to the end of the first line on stdout; null if none came
     */
    public record Result(int exitCode, String stdout, String stderr, Duration elapsed, Duration firstLine) {
        public String describe() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private Commands() {
    }

    public static Result run(List<String> command, Map<String, String> env, Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException(command + " did not finish within " + timeout + "; stdout: " + out.text()
                        + "; stderr: " + err.text());
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            out.awaitEnd();
            err.awaitEnd();
            long firstLineAt = out.firstLineAt;
            return new Result(p.exitValue(), out.text(), err.text(), elapsed,
                    firstLineAt == 0 ? null : Duration.ofNanos(firstLineAt - start));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Reads a stream to its end on a virtual thread, noting when the first newline arrived. */
    private static final class Drain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread reader;
        volatile long firstLineAt;

        Drain(InputStream in) {
            reader = Thread.ofVirtual().start(() -> {
                byte[] chunk = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(chunk)) > 0) {
                        if (firstLineAt == 0 && indexOfNewline(chunk, n) >= 0) {
                            firstLineAt = System.nanoTime();
                        }
                        buf.write(chunk, 0, n);
                    }
                } catch (IOException e) {
                    // The process is gone; keep what arrived.
                }
            });
        }

        private static int indexOfNewline(byte[] chunk, int n) {
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** Output still arriving after the process ended (a grandchild holding the pipe) is not waited for long. */
        void awaitEnd() throws InterruptedException {
            reader.join(DRAIN);
        }

        String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
