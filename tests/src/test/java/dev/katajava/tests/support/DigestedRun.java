package dev.katajava.tests.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a command whose output is too large to keep: stdout and stderr are counted and hashed (SHA-256) as
 * they arrive, with only the start of each kept as text for messages. Stdin comes from a file.
 */
public final class DigestedRun {
    private static final int KEEP = 2048;

    /** What one stream carried. */
    public record Stream(long bytes, String sha256, String head) {
    }

    /** How the command ended and what its two output streams carried. */
    public record Result(int exitCode, Stream stdout, Stream stderr, Duration elapsed) {
        public String describe() {
            return "exit " + exitCode + ", stdout " + stdout.bytes() + " bytes starting \"" + stdout.head()
                    + "\", stderr " + stderr.bytes() + " bytes starting \"" + stderr.head() + "\"";
        }
    }

    private final Process process;
    private final long started = System.nanoTime();
    private final Reader out;
    private final Reader err;

    private DigestedRun(Process process) {
        this.process = process;
        this.out = new Reader(process.getInputStream());
        this.err = new Reader(process.getErrorStream());
    }

    /** Starts {@code command} with stdin from {@code stdin}. */
    public static DigestedRun start(List<String> command, Path stdin) throws IOException {
        return new DigestedRun(new ProcessBuilder(command).redirectInput(stdin.toFile()).start());
    }

    /** Stdout bytes received so far. */
    public long stdoutSoFar() {
        return out.count.get();
    }

    /** Waits for the exit and for both streams to end; kills the command when {@code timeout} passes. */
    public Result await(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IOException("command did not finish within " + timeout + " (stdout " + out.count.get()
                    + " bytes so far)");
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        return new Result(process.exitValue(), out.finish(), err.finish(), elapsed);
    }

    /** SHA-256 in hex of {@code block} repeated {@code times} times. */
    public static String sha256Repeated(byte[] block, int times) {
        MessageDigest d = sha256();
        for (int i = 0; i < times; i++) {
            d.update(block);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one stream to its end on a platform thread of its own. */
    private static final class Reader {
        final AtomicLong count = new AtomicLong();
        private final MessageDigest digest = sha256();
        private final StringBuilder head = new StringBuilder();
        private final Thread thread;
        private volatile IOException failure;

        Reader(InputStream in) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[1 << 20];
                try (in) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        digest.update(buf, 0, n);
                        if (head.length() < KEEP) {
                            head.append(new String(buf, 0, Math.min(n, KEEP - head.length()), StandardCharsets.UTF_8));
                        }
                        count.addAndGet(n);
                    }
                } catch (IOException e) {
                    failure = e;
                }
            });
        }

        Stream finish() throws IOException, InterruptedException {
            thread.join(Duration.ofSeconds(30));
            if (thread.isAlive()) {
                throw new IOException("the stream did not end 30 s after the command exited");
            }
            if (failure != null) {
                throw failure;
            }
            return new Stream(count.get(), HexFormat.of().formatHex(digest.digest()), head.toString());
        }
    }
}
