package dev.katajava.qemu.cmdline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
    static VmSpec spec(String machine, boolean debug) {
        return spec(machine, debug, Path.of("/run/vc/vm/sb1"));
    }

    static VmSpec spec(String machine, boolean debug, Path runDir) {
        return spec(machine, debug, runDir, VmSize.fixed(2, 512));
    }

    static VmSpec spec(String machine, boolean debug, Path runDir, VmSize size) {
        return new VmSpec("sb1", runDir, Path.of("/usr/bin/qemu-system-x86_64"),
                Path.of("/k/vmlinux"), Path.of("/k/initrd"), machine, List.of("foo=bar", "agent.x=1"), size,
                Accelerator.AUTO, ShareDevice.virtio9p(Path.of("/run/kata-containers/shared/sandboxes/sb1/shared")),
                AgentEndpoint.virtioSerial(runDir.resolve("agent.sock")), debug);
    }

    /** Every value given to {@code flag}, in order. */
    static List<String> values(List<String> cmd, String flag) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < cmd.size() - 1; i++) {
            if (cmd.get(i).equals(flag)) {
                values.add(cmd.get(i + 1));
            }
        }
        return values;
    }

    static String value(List<String> cmd, String flag) {
        List<String> values = values(cmd, flag);
        assertThat(values).as("values of " + flag).hasSize(1);
        return values.getFirst();
    }

    @Test
    void q35UsesPciVirtioDevicesAndStartsPausedWithoutDefaultsOrNic() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false), Accel.TCG, 2_000_000);
        assertThat(cmd.getFirst()).isEqualTo("/usr/bin/qemu-system-x86_64");
        assertThat(cmd).contains("-nodefaults", "-no-user-config", "-nographic", "-S", "-no-reboot")
                .doesNotContain("-netdev", "-net", "-nic", "-bios");
        assertThat(value(cmd, "-machine")).isEqualTo("q35");
        assertThat(values(cmd, "-device")).containsExactly(
                "virtio-serial-pci,id=serial0",
                "virtserialport,bus=serial0.0,chardev=agent,name=agent.channel.0",
                "virtio-9p-pci,fsdev=shared,mount_tag=kataShared");
        assertThat(value(cmd, "-chardev")).isEqualTo("socket,id=agent,path=/run/vc/vm/sb1/agent.sock,server=on,wait=off");
        assertThat(value(cmd, "-fsdev")).isEqualTo("local,id=shared,path=/run/kata-containers/shared/sandboxes/sb1/shared,"
                + "security_model=none,multidevs=remap");
        assertThat(value(cmd, "-qmp")).isEqualTo("unix:/run/vc/vm/sb1/qmp.sock,server=on,wait=off");
        assertThat(value(cmd, "-serial")).isEqualTo("file:/run/vc/vm/sb1/console.log");
        assertThat(value(cmd, "-pidfile")).isEqualTo("/run/vc/vm/sb1/qemu.pid");
        assertThat(value(cmd, "-kernel")).isEqualTo("/k/vmlinux");
        assertThat(value(cmd, "-initrd")).isEqualTo("/k/initrd");
        assertThat(value(cmd, "-m")).isEqualTo("512M");
        assertThat(value(cmd, "-smp")).isEqualTo("2");
        assertThat(value(cmd, "-name")).isEqualTo("sandbox-sb1");
    }

    @Test
    void tcgRunsMultiThreadedWithABoundedTranslationCacheOnTheMaxCpu() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false), Accel.TCG, 0);
        assertThat(value(cmd, "-accel")).isEqualTo("tcg,thread=multi,tb-size=64");
        assertThat(value(cmd, "-cpu")).isEqualTo("max,-erms,-fsrm");
    }

    @Test
    void kvmUsesTheHostCpu() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false), Accel.KVM, 0);
        assertThat(value(cmd, "-accel")).isEqualTo("kvm");
        assertThat(value(cmd, "-cpu")).isEqualTo("host");
    }

    @Test
    void microvmUsesMmioVirtioDevicesWithoutOptionRoms() {
        List<String> cmd = QemuCommandLine.build(spec("microvm", false), Accel.TCG, 2_500_000);
        assertThat(value(cmd, "-machine")).isEqualTo("microvm,x-option-roms=off");
        assertThat(values(cmd, "-device")).containsExactly(
                "virtio-serial-device,id=serial0",
                "virtserialport,bus=serial0.0,chardev=agent,name=agent.channel.0",
                "virtio-9p-device,fsdev=shared,mount_tag=kataShared");
    }

    @Test
    void theKernelCommandLineHasConsoleBuiltInsThenTheConfiguredWords() {
        String append = value(QemuCommandLine.build(spec("q35", false), Accel.TCG, 2_000_000), "-append");
        List<String> words = List.of(append.split(" "));
        assertThat(words.getFirst()).isEqualTo("console=ttyS0");
        assertThat(words).contains("panic=1", "reboot=k", "cryptomgr.notests", "quiet");
        assertThat(words.subList(words.size() - 2, words.size())).containsExactly("foo=bar", "agent.x=1");
    }

    @Test
    void theGuestReservesNoBounceBuffersItsVirtioDevicesWouldNeverUse() {
        for (String machine : List.of("q35", "microvm")) {
            List<String> words = List.of(value(QemuCommandLine.build(spec(machine, false), Accel.TCG, 0), "-append")
                    .split(" "));
            assertThat(words).contains("swiotlb=noforce");
            assertThat(words.indexOf("swiotlb=noforce")).isLessThan(words.indexOf("foo=bar"));
        }
    }

    @Test
    void onlyMicrovmUnderTcgPinsTheTscFrequency() {
        assertThat(value(QemuCommandLine.build(spec("microvm", false), Accel.TCG, 2_500_000), "-append"))
                .contains("tsc_early_khz=2500000");
        assertThat(value(QemuCommandLine.build(spec("microvm", false), Accel.KVM, 2_500_000), "-append"))
                .doesNotContain("tsc_early_khz");
        assertThat(value(QemuCommandLine.build(spec("q35", false), Accel.TCG, 2_500_000), "-append"))
                .doesNotContain("tsc_early_khz");
        assertThat(value(QemuCommandLine.build(spec("microvm", false), Accel.TCG, 0), "-append"))
                .as("unknown frequency").doesNotContain("tsc_early_khz");
    }

    @Test
    void debugKeepsTheConsoleVerbose() {
        String append = value(QemuCommandLine.build(spec("q35", true), Accel.TCG, 0), "-append");
        assertThat(List.of(append.split(" "))).contains("agent.log=debug").doesNotContain("quiet");
    }

    @Test
    void anUnknownMachineTypeIsRefusedByName() {
        assertThatThrownBy(() -> QemuCommandLine.build(spec("pc-i440fx", false), Accel.TCG, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"pc-i440fx\"")
                .hasMessageContaining("q35, microvm");
    }

    @Test
    void aPathWithACommaIsRefusedRatherThanSplitIntoOptions() {
        assertThatThrownBy(() -> QemuCommandLine.build(spec("q35", false, Path.of("/run/vc/vm/a,b")), Accel.TCG, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/run/vc/vm/a,b");
    }

    @Test
    void q35LeavesRoomForCpuAndMemoryHotplugUpToTheMaximum() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false, Path.of("/run/vc/vm/sb1"),
                new VmSize(1, 4, 512, 4096, 10)), Accel.KVM, 0);

        assertThat(value(cmd, "-smp")).isEqualTo("1,maxcpus=4");
        assertThat(value(cmd, "-m")).isEqualTo("size=512M,slots=10,maxmem=4096M");
        assertThat(value(cmd, "-append")).doesNotContain("maxcpus=");
    }

    @Test
    void underTcgEveryVcpuIsPresentFromBootAndTheGuestBringsUpOnlyTheBootOnes() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false, Path.of("/run/vc/vm/sb1"),
                new VmSize(1, 4, 512, 4096, 10)), Accel.TCG, 0);

        assertThat(value(cmd, "-smp")).isEqualTo("4");
        assertThat(value(cmd, "-append")).contains(" maxcpus=1");
        assertThat(value(cmd, "-m")).isEqualTo("size=512M,slots=10,maxmem=4096M");
    }

    @Test
    void microvmHasNoHotplugSoItBootsAtItsSize() {
        List<String> cmd = QemuCommandLine.build(spec("microvm", false, Path.of("/run/vc/vm/sb1"),
                new VmSize(1, 4, 512, 4096, 10)), Accel.TCG, 0);

        assertThat(value(cmd, "-smp")).isEqualTo("1");
        assertThat(value(cmd, "-m")).isEqualTo("512M");
    }

    private static VmSpec withNicSlots(String machine, int slots) {
        VmSpec base = spec(machine, false);
        return new VmSpec(base.sandboxId(), base.runDir(), base.binary(), base.kernel(), base.initrd(), machine,
                base.kernelParams(), base.size(), base.accelerator(), base.share(), base.agent(), false, slots);
    }

    @Test
    void nicSlotsAreRootPortsAtFixedSlotsWithADescriptorMonitor() {
        List<String> cmd = QemuCommandLine.build(withNicSlots("q35", 2), Accel.TCG, 0);
        assertThat(values(cmd, "-device")).contains(
                "pcie-root-port,id=kata-net-rp0,bus=pcie.0,chassis=24,addr=0x18",
                "pcie-root-port,id=kata-net-rp1,bus=pcie.0,chassis=25,addr=0x19");
        assertThat(values(cmd, "-chardev")).anyMatch(c -> c.startsWith("socket,id=qmpfd,path=")
                && c.endsWith("/qmp-fd.sock,server=on,wait=off"));
        assertThat(values(cmd, "-mon")).containsExactly("chardev=qmpfd,mode=control");
        assertThat(NicPorts.pciPath(1)).isEqualTo("19/00");
    }

    @Test
    void withoutNicSlotsThereAreNoPortsAndNoSecondMonitor() {
        List<String> cmd = QemuCommandLine.build(withNicSlots("q35", 0), Accel.TCG, 0);
        assertThat(values(cmd, "-device")).noneMatch(d -> d.startsWith("pcie-root-port"));
        assertThat(values(cmd, "-mon")).isEmpty();
    }

    @Test
    void microvmCannotTakeNicsAndSaysWhy() {
        assertThatThrownBy(() -> QemuCommandLine.build(withNicSlots("microvm", 1), Accel.TCG, 0))
                .hasMessageContaining("machine type microvm has no PCI hot-plug");
    }

    private static VmSpec withAgent(String machine, AgentEndpoint agent) {
        VmSpec base = spec(machine, false);
        return new VmSpec(base.sandboxId(), base.runDir(), base.binary(), base.kernel(), base.initrd(), machine,
                base.kernelParams(), base.size(), base.accelerator(), base.share(), agent, false);
    }

    @Test
    void vhostUserVsockReplacesTheSerialChannelAndSharesGuestRam() {
        List<String> cmd = QemuCommandLine.build(withAgent("q35", new AgentEndpoint(AgentEndpoint.Kind.VHOST_USER_VSOCK,
                Path.of("/run/vc/vm/sb1/kata.hvsock"), 3)), Accel.TCG, 0);

        assertThat(value(cmd, "-object")).isEqualTo("memory-backend-memfd,id=ram,size=512M,share=on");
        assertThat(value(cmd, "-machine")).isEqualTo("q35,memory-backend=ram");
        assertThat(value(cmd, "-chardev")).isEqualTo("socket,id=vsock,path=/run/vc/vm/sb1/vhost-user-vsock.sock");
        assertThat(values(cmd, "-device")).contains("vhost-user-vsock-pci,chardev=vsock")
                .noneMatch(d -> d.startsWith("virtserialport") || d.startsWith("virtio-serial"));
        assertThat(value(cmd, "-append")).contains("agent.channel=vsock");
    }

    @Test
    void vhostVsockGetsTheGuestCidAndMicrovmItsMmioDevice() {
        List<String> q35 = QemuCommandLine.build(withAgent("q35", new AgentEndpoint(AgentEndpoint.Kind.VHOST_VSOCK,
                Path.of("/run/vc/vm/sb1"), 1234)), Accel.TCG, 0);
        List<String> microvm = QemuCommandLine.build(withAgent("microvm", new AgentEndpoint(
                AgentEndpoint.Kind.VHOST_USER_VSOCK, Path.of("/run/vc/vm/sb1/kata.hvsock"), 3)), Accel.TCG, 0);

        assertThat(values(q35, "-device")).contains("vhost-vsock-pci,guest-cid=1234");
        assertThat(values(q35, "-object")).isEmpty();
        assertThat(values(microvm, "-device")).contains("vhost-user-vsock-device,chardev=vsock");
        assertThat(value(microvm, "-machine")).isEqualTo("microvm,x-option-roms=off,memory-backend=ram");
    }

    @Test
    void virtioSerialKeepsTheAgentOnASerialPortWithoutTheVsockParameter() {
        List<String> cmd = QemuCommandLine.build(spec("q35", false), Accel.TCG, 0);

        assertThat(values(cmd, "-device")).anyMatch(d -> d.startsWith("virtserialport"));
        assertThat(value(cmd, "-append")).doesNotContain("agent.channel");
    }

    private static VmSpec withShare(String machine, ShareDevice share) {
        VmSpec base = spec(machine, false);
        return new VmSpec(base.sandboxId(), base.runDir(), base.binary(), base.kernel(), base.initrd(), machine,
                base.kernelParams(), base.size(), base.accelerator(), share, base.agent(), false);
    }

    @Test
    void virtioFsReplacesThe9pDeviceWithAVhostUserFsDeviceOnTheDaemonsSocket() {
        List<String> cmd = QemuCommandLine.build(withShare("q35",
                ShareDevice.virtioFs(Path.of("/run/vc/vm/sb1/vhost-fs.sock"))), Accel.TCG, 0);

        assertThat(values(cmd, "-chardev")).contains("socket,id=vfs,path=/run/vc/vm/sb1/vhost-fs.sock");
        assertThat(values(cmd, "-device")).contains("vhost-user-fs-pci,chardev=vfs,tag=kataShared,queue-size=1024")
                .noneMatch(d -> d.contains("9p"));
        assertThat(values(cmd, "-fsdev")).isEmpty();
    }

    @Test
    void virtioFsBacksGuestRamWithASharedMemfdEvenOverVirtioSerial() {
        VmSpec spec = withShare("q35", ShareDevice.virtioFs(Path.of("/run/vc/vm/sb1/vhost-fs.sock")));
        List<String> cmd = QemuCommandLine.build(spec, Accel.TCG, 0);

        assertThat(QemuCommandLine.needsSharedMemory(spec)).isTrue();
        assertThat(value(cmd, "-object")).isEqualTo("memory-backend-memfd,id=ram,size=512M,share=on");
        assertThat(value(cmd, "-machine")).isEqualTo("q35,memory-backend=ram");
    }

    @Test
    void virtio9pOverVirtioSerialKeepsPrivateRam() {
        VmSpec spec = spec("q35", false);

        assertThat(QemuCommandLine.needsSharedMemory(spec)).isFalse();
        assertThat(values(QemuCommandLine.build(spec, Accel.TCG, 0), "-object")).isEmpty();
    }

    @Test
    void microvmGetsTheMmioVhostUserFsDevice() {
        List<String> cmd = QemuCommandLine.build(withShare("microvm",
                ShareDevice.virtioFs(Path.of("/run/vc/vm/sb1/vhost-fs.sock"))), Accel.TCG, 0);

        assertThat(values(cmd, "-device")).contains("vhost-user-fs-device,chardev=vfs,tag=kataShared,queue-size=1024");
    }

    @Test
    void aSocketPathWithACommaIsRefused() {
        VmSpec spec = withShare("q35", ShareDevice.virtioFs(Path.of("/run/vc/vm/a,b/vhost-fs.sock")));

        assertThatThrownBy(() -> QemuCommandLine.build(spec, Accel.TCG, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("comma");
    }
}
