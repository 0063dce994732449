package dev.katajava.shim.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.protocols.containerd.v1.types.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TaskProcessTest {
    private static TaskProcess process() {
        return new TaskProcess("c1", "", new TaskProcess.Stdio("", "", "", false));
    }

    @Test
    void anExitWaitsUntilTheKillBeingServedHasAnswered() throws Exception {
        TaskProcess p = process();
        p.killStarted();
        CompletableFuture<Boolean> exitReported = CompletableFuture.supplyAsync(() -> {
            try {
                return p.awaitKillsAnswered(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(exitReported).as("exit held back while the kill is served").isNotDone();

        p.killAnswered();

        assertThat(exitReported.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aKillThatNeverAnswersHoldsTheExitOnlyForThePatienceGiven() throws Exception {
        TaskProcess p = process();
        p.killStarted();
        assertThat(p.awaitKillsAnswered(Duration.ofMillis(50))).isFalse();
    }

    @Test
    void withNoKillBeingServedTheExitGoesOutAtOnceAndReapedPrecedesIt() throws Exception {
        TaskProcess p = process();
        assertThat(p.awaitKillsAnswered(Duration.ZERO)).isTrue();
        ExitInfo info = new ExitInfo(137, Instant.EPOCH);
        p.reaped().complete(info);
        assertThat(p.exit()).isNotDone();
        p.exited(info);
        assertThat(p.exit().get()).isEqualTo(info);
        assertThat(p.status()).isEqualTo(Status.STOPPED);
    }
}
