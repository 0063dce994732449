package dev.katajava.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class OffCarrierTest {
    /**
     * In a JVM whose scheduler has one carrier and no spare (what the one-vCPU guest showed in a thread dump:
     * a single carrier, held by a ReadStdout), a read blocked through {@link OffCarrier} leaves the carrier
     * free; the same read made on the virtual thread itself starves every other request.
     */
    @Test
    void aBlockedPipeReadLeavesTheOnlyCarrierToOtherRequests() throws Exception {
        assertThat(scenario("off-carrier")).isEqualTo("served");
        assertThat(scenario("on-carrier")).as("the same read without it").isEqualTo("starved");
    }

    @Test
    void aFailedCallFailsTheRequestWithItsOwnCode() {
        assertThatThrownBy(() -> OffCarrier.run(() -> {
            throw new TtrpcException(Code.NOT_FOUND, "no such process");
        })).isInstanceOfSatisfying(TtrpcException.class, e -> {
            assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
            assertThat(e.getMessage()).contains("no such process");
        });
    }

    @Test
    void theCallsResultIsReturned() throws Exception {
        assertThat(OffCarrier.run(() -> 42)).isEqualTo(42);
    }

    private static String scenario(String mode) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1", "-cp", System.getProperty("java.class.path"),
                Scenario.class.getName(), mode).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** Run in a child JVM: one read blocked on a quiet process's pipe, then one more request. */
    static final class Scenario {
        private Scenario() {
        }

        public static void main(String[] args) throws Exception {
            Process quiet = new ProcessBuilder("sleep", "30").start();
            InputStream out = quiet.getInputStream();
            boolean off = args[0].equals("off-carrier");
            Thread.ofVirtual().start(() -> {
                try {
                    if (off) {
                        OffCarrier.run(() -> readOne(out));
                    } else {
                        readOne(out);
                    }
                } catch (TtrpcException ignored) {
                    // The process is killed on the way out.
                }
            });
            Thread.sleep(300);
            CompletableFuture<String> other = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> other.complete("served"));
            String result;
            try {
                result = other.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                result = "starved";
            }
            System.out.println(result);
            quiet.destroyForcibly();
            System.exit(0);
        }
    }

    private static int readOne(InputStream in) throws TtrpcException {
        try {
            return in.read();
        } catch (IOException e) {
            throw new TtrpcException(Code.INTERNAL, e.getMessage(), e);
        }
    }
}
