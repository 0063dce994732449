package dev.katajava.shim.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.katajava.protocols.runtimeoptions.Options;
import dev.katajava.virtcontainers.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EarlyBootTest {
    private final List<String> stopped = new CopyOnWriteArrayList<>();

    private static Any configPath(String path) {
        return Any.newBuilder().setTypeUrl("runtimeoptions.v1.Options")
                .setValue(Options.newBuilder().setConfigPath(path).build().toByteString()).build();
    }

    @Test
    void createForTheSameSandboxAndOptionsAdoptsTheBootedVm() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", configPath("/etc/a.toml"), () -> "vm", stopped::add);

        assertThat(early.adopt("pod", configPath("/etc/a.toml"))).isEqualTo("vm");
        early.stop();
        early.discard();
        assertThat(stopped).as("an adopted VM belongs to the create").isEmpty();
    }

    @Test
    void noOptionsAtStartMatchNoOptionsAtCreate() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", null, () -> "vm", stopped::add);

        assertThat(early.adopt("pod", Any.getDefaultInstance())).isEqualTo("vm");
    }

    @Test
    void createWithOtherOptionsGetsNothingAndTheEarlyVmIsStopped() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", configPath("/etc/a.toml"), () -> "vm", stopped::add);

        assertThat(early.adopt("pod", configPath("/etc/b.toml"))).isNull();
        awaitStopped();
        assertThat(stopped).containsExactly("vm");
        assertThat(early.adopt("pod", configPath("/etc/a.toml"))).as("adopted at most once").isNull();
    }

    @Test
    void aFailedBootFailsTheCreateWithTheSameError() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", null, () -> {
            throw new ConfigException("configuration.toml:7: [hypervisor.qemu] default_vcpus: expected an integer");
        }, stopped::add);

        assertThatThrownBy(() -> early.adopt("pod", null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("default_vcpus");
    }

    @Test
    void aStoppingShimInterruptsTheBootInProgressRatherThanWaitingForIt() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", null, () -> {
            Thread.sleep(60_000);
            return "vm";
        }, stopped::add);
        Thread.sleep(100);

        long start = System.nanoTime();
        early.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(stopped).as("an interrupted boot tears down what it started itself").isEmpty();
    }

    @Test
    void aBootThatFinishesDespiteTheInterruptIsStopped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EarlyBoot<String> early = EarlyBoot.start("pod", null, () -> {
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // A boot past the point of no return finishes anyway.
                }
            }
            return "vm";
        }, stopped::add);
        Thread.ofVirtual().start(() -> {
            sleep(100);
            release.countDown();
        });

        early.stop();
        assertThat(stopped).containsExactly("vm");
    }

    @Test
    void aVmDiscardedAfterAFailedCreateIsStoppedOnceBooted() throws Exception {
        EarlyBoot<String> early = EarlyBoot.start("pod", null, () -> "vm", stopped::add);

        early.discard();
        awaitStopped();
        assertThat(stopped).containsExactly("vm");
        assertThat(early.adopt("pod", null)).isNull();
    }

    private void awaitStopped() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stopped.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
