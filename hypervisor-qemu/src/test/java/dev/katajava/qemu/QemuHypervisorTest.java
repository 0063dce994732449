package dev.katajava.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start failures, with stand-ins for the QEMU binary (real QEMU runs in the end-to-end tests). */
class QemuHypervisorTest {
    private static final Duration PROBE_WINDOW = Duration.ofMillis(1500);
    @TempDir
    Path dir;

    private VmSpec spec(Path binary, String machine) {
        return spec(binary, machine, Accelerator.TCG);
    }

    private VmSpec spec(Path binary, String machine, Accelerator accelerator) {
        return new VmSpec("sb1", dir, binary, dir.resolve("vmlinux"), dir.resolve("initrd"), machine, List.of(),
                VmSize.fixed(1, 256), accelerator, ShareDevice.virtio9p(dir),
                AgentEndpoint.virtioSerial(dir.resolve("agent.sock")), false);
    }

    /** {@link StandInQemu} behind an executable, with {@code env} (NAME=value words) set for it. */
    private Path standIn(String env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return script(env + " exec '" + java + "' -Xshare:auto -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' " + StandInQemu.class.getName() + " \"$@\"");
    }

    private List<String> launches() throws Exception {
        return Files.readAllLines(dir.resolve("standin-launches"));
    }

    private Path script(String body) throws Exception {
        Path s = dir.resolve("fake-qemu");
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void qemusOwnErrorLinesAreInTheExceptionWhenItExitsAtStart() throws Exception {
        Path fake = script("echo \"qemu-system-x86_64: could not load kernel '$8': No such file or directory\" >&2\n"
                + "exit 1");
        QemuHypervisor vm = new QemuHypervisor(spec(fake, "q35"), dir.resolve("kvm-unusable"));
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class)
                .hasMessageContaining("could not load kernel")
                .hasMessageContaining("No such file or directory");
        assertThat(vm.exited().get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("qemu.log"))).contains("could not load kernel");
    }

    @Test
    void aMissingBinaryIsNamedInTheException() {
        Path missing = dir.resolve("no-such-qemu");
        QemuHypervisor vm = new QemuHypervisor(spec(missing, "q35"), dir.resolve("kvm-unusable"));
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class)
                .hasMessageContaining(missing.toString());
        assertThat(vm.pid()).isZero();
    }

    @Test
    void aQemuThatNeverOpensItsQmpSocketIsKilledAndItsOutputQuoted() throws Exception {
        Path fake = script("echo 'stuck before the monitor' >&2\nexec sleep 600");
        QemuHypervisor vm = new QemuHypervisor(spec(fake, "q35"), dir.resolve("kvm-unusable"), Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class)
                .hasMessageContaining("stuck before the monitor")
                .hasMessageContaining("qmp.sock");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(vm.exited().get(5, TimeUnit.SECONDS)).as("killed").isEqualTo(137);
        assertThat(ProcessHandle.of(vm.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void anUnsupportedMachineTypeFailsTheStartByName() {
        QemuHypervisor vm = new QemuHypervisor(spec(Path.of("/usr/bin/qemu-system-x86_64"), "virt"),
                dir.resolve("kvm-unusable"));
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class).hasMessageContaining("\"virt\"");
    }

    @Test
    void startIsRefusedASecondTimeAndStopBeforeStartIsHarmless() throws Exception {
        QemuHypervisor vm = new QemuHypervisor(spec(dir.resolve("none"), "q35"), dir.resolve("kvm-unusable"));
        vm.stop(Duration.ofSeconds(1));
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKvmGuestThatShowsOnlyFirmwareIsKilledAndTheVmRunsUnderTcgWithTheVerdictKept() throws Exception {
        Path verdict = dir.resolve("verdicts/kvm-unusable-x");
        AtomicInteger backendStarts = new AtomicInteger();
        QemuHypervisor vm = new QemuHypervisor(spec(standIn(""), "q35", Accelerator.AUTO), verdict, () -> true,
                PROBE_WINDOW, Duration.ofSeconds(10));
        long start = System.nanoTime();
        vm.start(backendStarts::incrementAndGet);
        try {
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(vm.accel()).isEqualTo(Accel.TCG);
            assertThat(launches()).containsExactly("kvm", "tcg");
            assertThat(backendStarts).as("device backends started afresh for each launch").hasValue(2);
            assertThat(tookMs).isGreaterThanOrEqualTo(PROBE_WINDOW.toMillis()).isLessThan(PROBE_WINDOW.toMillis() + 8000);
            assertThat(Files.readString(verdict)).contains("the guest kernel did not start within")
                    .contains("Booting from ROM..");
            // The stand-in prints its init line once running, which may come after start returned.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!vm.consoleTail(4096).contains(StandInQemu.INIT_LINE.strip()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(vm.consoleTail(4096)).contains(StandInQemu.INIT_LINE.strip());
        } finally {
            vm.stop(Duration.ofSeconds(2));
        }
        assertThat(standInsRunning()).as("the KVM attempt's QEMU is gone too").isZero();
    }

    @Test
    void aKvmGuestWhoseInitSpeaksKeepsKvm() throws Exception {
        Path verdict = dir.resolve("kvm-unusable-x");
        QemuHypervisor vm = new QemuHypervisor(spec(standIn("STANDIN_KVM_GUEST=boots"), "q35", Accelerator.AUTO),
                verdict, () -> true, PROBE_WINDOW, Duration.ofSeconds(10));
        vm.start(LaunchBackends.NONE);
        try {
            assertThat(vm.accel()).isEqualTo(Accel.KVM);
            assertThat(launches()).containsExactly("kvm");
            assertThat(verdict).doesNotExist();
        } finally {
            vm.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void aRememberedVerdictStartsTheNextVmUnderTcgWithoutAProbe() throws Exception {
        Path verdict = dir.resolve("kvm-unusable-x");
        Files.writeString(verdict, "the guest kernel did not start\n");
        QemuHypervisor vm = new QemuHypervisor(spec(standIn(""), "q35", Accelerator.AUTO), verdict, () -> true,
                PROBE_WINDOW, Duration.ofSeconds(10));
        long start = System.nanoTime();
        vm.start(LaunchBackends.NONE);
        try {
            assertThat(vm.accel()).isEqualTo(Accel.TCG);
            assertThat(launches()).containsExactly("tcg");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROBE_WINDOW.plusSeconds(3));
        } finally {
            vm.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void aDeviceBackendThatCannotStartFailsTheLaunchByName() throws Exception {
        QemuHypervisor vm = new QemuHypervisor(spec(standIn(""), "q35", Accelerator.TCG), dir.resolve("v"),
                () -> false, PROBE_WINDOW, Duration.ofSeconds(10));
        assertThatThrownBy(() -> vm.start(() -> {
            throw new java.io.IOException("virtiofsd: no such file");
        })).isInstanceOf(HypervisorException.class).hasMessageContaining("virtiofsd: no such file")
                .hasMessageContaining("sb1");
        assertThat(dir.resolve("standin-launches")).doesNotExist();
    }

    private long standInsRunning() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(StandInQemu.class.getName())
                        && p.info().commandLine().orElse("").contains(dir.toString()))
                .count();
    }

    @Test
    void theProviderIsFoundByName() {
        var providers = java.util.ServiceLoader.load(dev.katajava.virtcontainers.hypervisor.HypervisorProvider.class);
        assertThat(providers.stream().map(p -> p.get().name())).contains("qemu");
    }
}
