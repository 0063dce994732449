package dev.katajava.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
    private static VmSpec spec(String machine, boolean debug) {
        return new VmSpec("sb1", Path.of("/run/vc/vm/sb1"), Path.of("/usr/bin/qemu-system-x86_64"),
                Path.of("/k/vmlinux"), Path.of("/k/initrd"), machine, List.of("foo=bar"), 2, 512, Accelerator.AUTO,
                Path.of("/run/kata-containers/shared/sandboxes/sb1/shared"), Path.of("/run/vc/vm/sb1/agent.sock"), debug);
    }

    private static String value(List<String> cmd, String flag, String startsWith) {
        for (int i = 0; i < cmd.size() - 1; i++) {
            if (cmd.get(i).equals(flag) && cmd.get(i + 1).startsWith(startsWith)) {
                return cmd.get(i + 1);
            }
        }
        return null;
    }

    @Test
    void q35UsesPciDevicesAndStartsPausedWithoutDefaults() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false), QemuCommandLine.Accel.TCG, 2_000_000);
        assertThat(cmd).contains("-nodefaults", "-no-user-config", "-nographic", "-S", "-no-reboot");
        assertThat(value(cmd, "-machine", "")).isEqualTo("q35");
        assertThat(value(cmd, "-accel", "")).isEqualTo("tcg,thread=multi,tb-size=128");
        assertThat(value(cmd, "-device", "virtio-serial")).isEqualTo("virtio-serial-pci,id=serial0");
        assertThat(value(cmd, "-device", "virtio-9p")).isEqualTo("virtio-9p-pci,fsdev=shared,mount_tag=kataShared");
        assertThat(value(cmd, "-device", "virtserialport")).endsWith("name=agent.channel.0");
        assertThat(value(cmd, "-chardev", "socket")).isEqualTo(
                "socket,id=agent,path=/run/vc/vm/sb1/agent.sock,server=on,wait=off");
        assertThat(value(cmd, "-fsdev", "local")).contains("path=/run/kata-containers/shared/sandboxes/sb1/shared")
                .contains("multidevs=remap");
        assertThat(value(cmd, "-qmp", "unix:")).isEqualTo("unix:/run/vc/vm/sb1/qmp.sock,server=on,wait=off");
        assertThat(value(cmd, "-pidfile", "")).isEqualTo("/run/vc/vm/sb1/qemu.pid");
        assertThat(value(cmd, "-m", "")).isEqualTo("512M");
        assertThat(value(cmd, "-smp", "")).isEqualTo("2");
        String append = value(cmd, "-append", "");
        assertThat(append).startsWith("console=ttyS0 ").contains("cryptomgr.notests").contains(" quiet")
                .endsWith("foo=bar").doesNotContain("tsc_early_khz");
    }

    @Test
    void microvmUsesMmioDevicesAndPinsTheTscUnderTcg() {
        List<String> cmd = QemuCommandLine.build(spec("microvm", false), QemuCommandLine.Accel.TCG, 2_500_000);
        assertThat(value(cmd, "-machine", "")).startsWith("microvm,");
        assertThat(value(cmd, "-device", "virtio-serial")).isEqualTo("virtio-serial-device,id=serial0");
        assertThat(value(cmd, "-device", "virtio-9p")).startsWith("virtio-9p-device,");
        assertThat(value(cmd, "-append", "")).contains("tsc_early_khz=2500000");
    }

    @Test
    void kvmUsesTheHostCpuAndDebugKeepsTheConsoleVerbose() {
        List<String> cmd = QemuCommandLine.build(spec("q35", true), QemuCommandLine.Accel.KVM, 0);
        assertThat(value(cmd, "-accel", "")).isEqualTo("kvm");
        assertThat(value(cmd, "-cpu", "")).isEqualTo("host");
        assertThat(value(cmd, "-append", "")).contains("agent.log=debug").doesNotContain(" quiet");
    }
}
