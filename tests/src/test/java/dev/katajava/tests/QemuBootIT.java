package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.qemu.QemuHypervisor;
import dev.katajava.qemu.bench.BareBoot;
import dev.katajava.qemu.bench.TinyInitramfs;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.qapi.types.QueryStatusResultStatus;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kernel of the install tree booted by QemuHypervisor itself (no containerd, no agent): a tiny
 * initramfs whose /init prints a marker and powers off. Also the bare-boot figure start times are
 * compared with.
 */
class QemuBootIT {
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final Path KERNEL = E2eEnvironment.PREFIX.resolve("share/kata-containers/vmlinux.container");

    @TempDir
    static Path shared;
    private static Path initrd;

    @BeforeAll
    static void buildTinyInitramfs() throws Exception {
        initrd = shared.resolve("tiny.cpio");
        TinyInitramfs.write(initrd, TinyInitramfs.DEFAULT_BUSYBOX, BareBoot.MARKER);
    }

    private static BareBoot.Setup setup(String machine, Accelerator accelerator, Path verdict) {
        return new BareBoot.Setup(QEMU, KERNEL, initrd, machine, 1, 512, accelerator, verdict);
    }

    private static long qemuProcessesOf(String sandboxPrefix) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.info().commandLine().orElse("").contains("-name sandbox-" + sandboxPrefix)).count();
        }
    }

    @Test
    void q35UnderTcgBootsToInitAndQemuEndsWhenTheGuestPowersOff() throws Exception {
        BareBoot.Boot boot = BareBoot.boot(setup("q35", Accelerator.TCG, shared.resolve("kvm-unusable")));
        assertThat(boot.statusAfterStart()).as("query-status after cont").isEqualTo("running");
        assertThat(boot.accel()).isEqualTo(Accel.TCG);
        assertThat(boot.console()).contains(BareBoot.MARKER);
        assertThat(boot.exitCode()).as("QEMU's exit code after a guest poweroff").isZero();
        assertThat(qemuProcessesOf("bare-boot-" + ProcessHandle.current().pid())).isZero();
        System.out.printf("bare boot q35/TCG: %d ms to the marker (start() returned after %d ms)%n",
                boot.toMarker().toMillis(), boot.startReturned().toMillis());
    }

    @Test
    void microvmUnderTcgBootsToInit() throws Exception {
        BareBoot.Boot boot = BareBoot.boot(setup("microvm", Accelerator.TCG, shared.resolve("kvm-unusable")));
        assertThat(boot.console()).contains(BareBoot.MARKER);
        assertThat(boot.exitCode()).isZero();
        System.out.printf("bare boot microvm/TCG: %d ms to the marker%n", boot.toMarker().toMillis());
    }

    @Test
    void autoEndsWithAWorkingGuestAndRemembersABrokenKvm() throws Exception {
        Path verdict = shared.resolve("auto/kvm-unusable");
        BareBoot.Boot boot = BareBoot.boot(setup("q35", Accelerator.AUTO, verdict));
        assertThat(boot.console()).contains(BareBoot.MARKER);
        if (boot.accel() == Accel.TCG && Files.isWritable(Path.of("/dev/kvm"))) {
            assertThat(verdict).as("a KVM that failed the probe is remembered").exists();
            long start = System.nanoTime();
            BareBoot.Boot again = BareBoot.boot(setup("q35", Accelerator.AUTO, verdict));
            assertThat(again.accel()).isEqualTo(Accel.TCG);
            System.out.printf("AUTO fell back to TCG (%s); the second boot skipped the probe: %d ms to the marker%n",
                    Files.readString(verdict).strip(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    @Test
    void aMissingKernelFailsTheStartWithQemusOwnMessage(@TempDir Path runDir) throws Exception {
        Path missing = runDir.resolve("no-such-vmlinux");
        VmSpec spec = new VmSpec("e2e-nokernel-" + ProcessHandle.current().pid(), runDir, QEMU, missing, initrd,
                "q35", List.of(), VmSize.fixed(1, 256), Accelerator.TCG,
                ShareDevice.virtio9p(Files.createDirectories(runDir.resolve("shared"))),
                AgentEndpoint.virtioSerial(runDir.resolve("agent.sock")), false);
        QemuHypervisor vm = new QemuHypervisor(spec, runDir.resolve("kvm-unusable"));
        assertThatThrownBy(() -> vm.start(LaunchBackends.NONE)).isInstanceOf(HypervisorException.class)
                .hasMessageContaining("could not open kernel file")
                .hasMessageContaining(missing.toString());
        assertThat(vm.exited().get()).isNotZero();
        assertThat(qemuProcessesOf(spec.sandboxId())).isZero();
    }

    @Test
    void stopQuitsAVmStillBootingOverQmp(@TempDir Path runDir) throws Exception {
        VmSpec spec = new VmSpec("e2e-stop-" + ProcessHandle.current().pid(), runDir, QEMU, KERNEL, initrd, "q35",
                List.of(), VmSize.fixed(1, 256), Accelerator.TCG,
                ShareDevice.virtio9p(Files.createDirectories(runDir.resolve("shared"))),
                AgentEndpoint.virtioSerial(runDir.resolve("agent.sock")), false);
        QemuHypervisor vm = new QemuHypervisor(spec, runDir.resolve("kvm-unusable"));
        vm.start(LaunchBackends.NONE);
        try {
            assertThat(vm.qmp().queryStatus(vm.qmpTimeout()).status()).isEqualTo(QueryStatusResultStatus.RUNNING);
            assertThat(vm.pid()).isPositive();
        } finally {
            long start = System.nanoTime();
            vm.stop(Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("quit, not the grace period")
                    .isLessThan(Duration.ofSeconds(4));
        }
        assertThat(vm.exited()).isCompletedWithValue(0);
        assertThat(qemuProcessesOf(spec.sandboxId())).isZero();
        vm.stop(Duration.ofSeconds(1));
    }
}
