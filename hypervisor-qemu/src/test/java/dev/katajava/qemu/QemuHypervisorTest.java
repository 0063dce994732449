package dev.katajava.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start failures, with stand-ins for the QEMU binary (real QEMU runs in the end-to-end tests). */
class QemuHypervisorTest {
    @TempDir
    Path dir;

    private VmSpec spec(Path binary, String machine) {
        return new VmSpec("sb1", dir, binary, dir.resolve("vmlinux"), dir.resolve("initrd"), machine, List.of(),
                VmSize.fixed(1, 256), Accelerator.TCG, ShareDevice.virtio9p(dir),
                AgentEndpoint.virtioSerial(dir.resolve("agent.sock")), false);
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
        assertThatThrownBy(vm::start).isInstanceOf(HypervisorException.class)
                .hasMessageContaining("could not load kernel")
                .hasMessageContaining("No such file or directory");
        assertThat(vm.exited().get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("qemu.log"))).contains("could not load kernel");
    }

    @Test
    void aMissingBinaryIsNamedInTheException() {
        Path missing = dir.resolve("no-such-qemu");
        QemuHypervisor vm = new QemuHypervisor(spec(missing, "q35"), dir.resolve("kvm-unusable"));
        assertThatThrownBy(vm::start).isInstanceOf(HypervisorException.class)
                .hasMessageContaining(missing.toString());
        assertThat(vm.pid()).isZero();
    }

    @Test
    void aQemuThatNeverOpensItsQmpSocketIsKilledAndItsOutputQuoted() throws Exception {
        Path fake = script("echo 'stuck before the monitor' >&2\nexec sleep 600");
        QemuHypervisor vm = new QemuHypervisor(spec(fake, "q35"), dir.resolve("kvm-unusable"), Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(vm::start).isInstanceOf(HypervisorException.class)
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
        assertThatThrownBy(vm::start).isInstanceOf(HypervisorException.class).hasMessageContaining("\"virt\"");
    }

    @Test
    void startIsRefusedASecondTimeAndStopBeforeStartIsHarmless() throws Exception {
        QemuHypervisor vm = new QemuHypervisor(spec(dir.resolve("none"), "q35"), dir.resolve("kvm-unusable"));
        vm.stop(Duration.ofSeconds(1));
        assertThatThrownBy(vm::start).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(vm::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theProviderIsFoundByName() {
        var providers = java.util.ServiceLoader.load(dev.katajava.virtcontainers.hypervisor.HypervisorProvider.class);
        assertThat(providers.stream().map(p -> p.get().name())).contains("qemu");
    }
}
