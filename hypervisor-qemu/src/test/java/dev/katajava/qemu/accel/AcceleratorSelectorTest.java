package dev.katajava.qemu.accel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceleratorSelectorTest {
    private static final Duration WINDOW = Duration.ofMillis(300);

    @TempDir
    Path dir;

    static final String FIRMWARE = "SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\nBooting from ROM..";

    /**
     * A VM whose behaviour is scripted: its firmware prints at once, then when (if ever) kata-init speaks,
     * when it dies, what QEMU said.
     */
    static final class FakeVm implements LaunchedVm {
        final Accel accel;
        final long born = System.nanoTime();
        final long printsAfterMs;
        final long diesAfterMs;
        final String said;
        volatile boolean killed;

        FakeVm(Accel accel, long printsAfterMs, long diesAfterMs, String said) {
            this.accel = accel;
            this.printsAfterMs = printsAfterMs;
            this.diesAfterMs = diesAfterMs;
            this.said = said;
        }

        private long ageMs() {
            return (System.nanoTime() - born) / 1_000_000;
        }

        @Override
        public boolean isAlive() {
            return !killed && ageMs() < diesAfterMs;
        }

        @Override
        public String console() {
            return FIRMWARE + (ageMs() >= printsAfterMs ? "kata-init: starting agent\n" : "");
        }

        @Override
        public String qemuOutputTail() {
            return said;
        }

        @Override
        public void kill() {
            killed = true;
        }
    }

    /** Launches fakes per accelerator and records every launch. */
    static final class FakeLauncher implements VmLauncher<FakeVm> {
        final Map<Accel, Function<Accel, FakeVm>> behaviour;
        final List<FakeVm> launched = new ArrayList<>();
        final List<Accel> attempts = new ArrayList<>();

        FakeLauncher(Map<Accel, Function<Accel, FakeVm>> behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public FakeVm launch(Accel accel) throws HypervisorException {
            attempts.add(accel);
            FakeVm vm = behaviour.get(accel).apply(accel);
            if (vm == null) {
                throw new HypervisorException("QEMU (" + accel + ") did not start: failed to set MSR 0x10a");
            }
            launched.add(vm);
            return vm;
        }
    }

    private static FakeVm boots(Accel a) {
        return new FakeVm(a, 50, Long.MAX_VALUE, "");
    }

    /** Firmware output and then nothing, as Debian's kernel on nested paravirtual KVM. */
    private static FakeVm hangsAfterFirmware(Accel a) {
        return new FakeVm(a, Long.MAX_VALUE, Long.MAX_VALUE, "");
    }

    private static Function<Accel, FakeVm> abortsAtBoot(String said) {
        return a -> new FakeVm(a, Long.MAX_VALUE, 30, said);
    }

    private static FakeVm cannotLaunch(Accel a) {
        return null;
    }

    private AcceleratorSelector selector(Path verdictFile, boolean kvmOpens) {
        return new AcceleratorSelector(new KvmVerdict(verdictFile), () -> kvmOpens, WINDOW);
    }

    @Test
    void autoKeepsKvmWhenTheGuestSpeaksAndRecordsNoVerdict() throws Exception {
        Path verdict = dir.resolve("kvm-unusable");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::boots,
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(verdict, true).start(Accelerator.AUTO, launcher);
        assertThat(selected.accel()).isEqualTo(Accel.KVM);
        assertThat(launcher.attempts).containsExactly(Accel.KVM);
        assertThat(selected.vm().killed).isFalse();
        assertThat(verdict).doesNotExist();
    }

    @Test
    void autoFallsBackToTcgWhenQemuCannotStartUnderKvmAndRemembersWhy() throws Exception {
        Path verdict = dir.resolve("kvm-unusable");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::cannotLaunch,
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(verdict, true).start(Accelerator.AUTO, launcher);
        assertThat(selected.accel()).isEqualTo(Accel.TCG);
        assertThat(selected.reason()).contains("failed to set MSR 0x10a");
        assertThat(launcher.attempts).containsExactly(Accel.KVM, Accel.TCG);
        assertThat(new KvmVerdict(verdict).knownBroken()).hasValueSatisfying(
                why -> assertThat(why).contains("failed to set MSR 0x10a"));
    }

    @Test
    void autoKillsAKvmGuestThatGotNoFurtherThanItsFirmwareAndRestartsUnderTcg() throws Exception {
        Path verdict = dir.resolve("kvm-unusable");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::hangsAfterFirmware,
                Accel.TCG, AcceleratorSelectorTest::boots));
        long start = System.nanoTime();
        var selected = selector(verdict, true).start(Accelerator.AUTO, launcher);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(selected.accel()).isEqualTo(Accel.TCG);
        assertThat(launcher.launched.getFirst().killed).as("the KVM VM is killed").isTrue();
        assertThat(selected.vm().killed).isFalse();
        assertThat(tookMs).isGreaterThanOrEqualTo(WINDOW.toMillis()).isLessThan(WINDOW.toMillis() + 2000);
        assertThat(new KvmVerdict(verdict).knownBroken()).hasValueSatisfying(
                why -> assertThat(why).contains("the guest kernel did not start within 300 ms")
                        .contains("SeaBIOS").contains("Booting from ROM.."));
    }

    @Test
    void autoFallsBackWhenQemuDiesDuringTheKvmBootQuotingQemu() throws Exception {
        Path verdict = dir.resolve("kvm-unusable");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, abortsAtBoot("kvm_buf_set_msrs: Assertion failed"),
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(verdict, true).start(Accelerator.AUTO, launcher);
        assertThat(selected.accel()).isEqualTo(Accel.TCG);
        assertThat(selected.reason()).contains("QEMU exited").contains("kvm_buf_set_msrs: Assertion failed");
    }

    @Test
    void aGuestThatPrintedAndPoweredOffWithinOnePollStillCountsAsWorking() throws Exception {
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, a -> new FakeVm(a, 0, 0, ""),
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(dir.resolve("kvm-unusable"), true).start(Accelerator.AUTO, launcher);
        assertThat(selected.accel()).isEqualTo(Accel.KVM);
    }

    @Test
    void autoSkipsTheProbeWhenAnEarlierSandboxFoundKvmBroken() throws Exception {
        Path verdict = dir.resolve("kvm-unusable");
        new KvmVerdict(verdict).recordBroken("hangs");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::boots,
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(verdict, true).start(Accelerator.AUTO, launcher);
        assertThat(launcher.attempts).containsExactly(Accel.TCG);
        assertThat(selected.reason()).contains("earlier").contains("hangs");
    }

    @Test
    void autoUsesTcgWithoutProbingWhenDevKvmDoesNotOpen() throws Exception {
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::boots,
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(dir.resolve("kvm-unusable"), false).start(Accelerator.AUTO, launcher);
        assertThat(launcher.attempts).containsExactly(Accel.TCG);
        assertThat(selected.reason()).contains("/dev/kvm");
        assertThat(dir.resolve("kvm-unusable")).doesNotExist();
    }

    @Test
    void explicitKvmIsHonouredWithoutProbeOrFallback() {
        Path verdict = dir.resolve("kvm-unusable");
        new KvmVerdict(verdict).recordBroken("hangs");
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::cannotLaunch,
                Accel.TCG, AcceleratorSelectorTest::boots));
        assertThatThrownBy(() -> selector(verdict, false).start(Accelerator.KVM, launcher))
                .isInstanceOf(HypervisorException.class).hasMessageContaining("MSR 0x10a");
        assertThat(launcher.attempts).containsExactly(Accel.KVM);
    }

    @Test
    void explicitKvmKeepsAHangingGuestBecauseNothingIsProbed() throws Exception {
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::hangsAfterFirmware,
                Accel.TCG, AcceleratorSelectorTest::boots));
        long start = System.nanoTime();
        var selected = selector(dir.resolve("kvm-unusable"), true).start(Accelerator.KVM, launcher);
        assertThat(selected.accel()).isEqualTo(Accel.KVM);
        assertThat(selected.vm().killed).isFalse();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(WINDOW.toMillis());
    }

    @Test
    void explicitTcgNeverTouchesKvm() throws Exception {
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::boots,
                Accel.TCG, AcceleratorSelectorTest::boots));
        var selected = selector(dir.resolve("kvm-unusable"), true).start(Accelerator.TCG, launcher);
        assertThat(launcher.attempts).containsExactly(Accel.TCG);
        assertThat(selected.reason()).isEqualTo("configured");
    }

    @Test
    void aTcgFailureAfterTheFallbackReachesTheCaller() {
        FakeLauncher launcher = new FakeLauncher(Map.of(Accel.KVM, AcceleratorSelectorTest::cannotLaunch,
                Accel.TCG, AcceleratorSelectorTest::cannotLaunch));
        assertThatThrownBy(() -> selector(dir.resolve("kvm-unusable"), true).start(Accelerator.AUTO, launcher))
                .isInstanceOf(HypervisorException.class).hasMessageContaining("QEMU (TCG) did not start");
    }
}
