package dev.katajava.qemu.cmdline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root image as a virtio-pmem device and the free-page-reporting balloon on the QEMU command line. */
class GuestMemoryDevicesTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private Path image(long bytes) throws Exception {
        Path image = dir.resolve("root.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return image;
    }

    private static VmSpec spec(String machine, VmSize size, Path image, boolean reclaim) {
        VmSpec base = QemuCommandLineTest.spec(machine, false, Path.of("/run/vc/vm/sb1"), size);
        return new VmSpec(base.sandboxId(), base.runDir(), base.binary(), base.kernel(), base.initrd(), machine,
                base.kernelParams(), base.size(), base.accelerator(), base.share(), base.agent(), false, 0, image,
                reclaim);
    }

    private static List<String> all(List<String> cmd, String flag) {
        return QemuCommandLineTest.values(cmd, flag);
    }

    private static String one(List<String> cmd, String flag) {
        return QemuCommandLineTest.value(cmd, flag);
    }

    private static List<String> devices(String machine, boolean reclaim) {
        return all(QemuCommandLine.build(spec(machine, VmSize.fixed(1, 512), null, reclaim), Accel.TCG, 0), "-device");
    }

    @Test
    void theImageIsAReadOnlySharedFileMappingBehindAVirtioPmemDevice() throws Exception {
        Path image = image(128 * MIB);
        List<String> cmd = QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), image, false), Accel.TCG, 0);

        assertThat(all(cmd, "-object")).contains("memory-backend-file,id=rootimg,mem-path=" + image
                + ",size=" + 128 * MIB + ",share=on,readonly=on");
        assertThat(all(cmd, "-device")).contains("virtio-pmem-pci,id=rootimg0,memdev=rootimg");
        assertThat(one(cmd, "-initrd")).isEqualTo("/k/initrd");
    }

    @Test
    void theKernelIsToldToMountThePmemDeviceAsRootWithDax() throws Exception {
        List<String> cmd = QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), image(128 * MIB), false),
                Accel.TCG, 0);
        assertThat(one(cmd, "-append")).contains(" root=/dev/pmem0 rootfstype=erofs rootflags=dax ");
    }

    @Test
    void withoutAnImageThereIsNoPmemDeviceNoRootAndNoMemoryArea() {
        List<String> cmd = QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), null, false), Accel.TCG, 0);
        assertThat(all(cmd, "-device")).noneMatch(d -> d.startsWith("virtio-pmem"));
        assertThat(all(cmd, "-object")).noneMatch(o -> o.contains("rootimg"));
        assertThat(one(cmd, "-append")).doesNotContain("root=");
        assertThat(one(cmd, "-m")).isEqualTo("512M");
    }

    @Test
    void aFixedSizeVmGetsAMemoryAreaJustLargeEnoughForTheImage() throws Exception {
        List<String> cmd = QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), image(128 * MIB), false),
                Accel.TCG, 0);
        assertThat(one(cmd, "-m")).isEqualTo("size=512M,maxmem=640M");
    }

    @Test
    void theImageDoesNotEatIntoTheRoomForMemoryHotplug() throws Exception {
        List<String> cmd = QemuCommandLine.build(spec("q35", new VmSize(1, 2, 512, 4096, 10), image(128 * MIB),
                false), Accel.TCG, 0);
        assertThat(one(cmd, "-m")).isEqualTo("size=512M,slots=10,maxmem=4224M");
    }

    @Test
    void microvmCannotAttachAnImageAndSaysWhy() throws Exception {
        Path image = image(128 * MIB);
        assertThatThrownBy(() -> QemuCommandLine.build(spec("microvm", VmSize.fixed(1, 512), image, false),
                Accel.TCG, 0)).hasMessageContaining("machine type microvm cannot attach the root image " + image)
                .hasMessageContaining("use q35");
    }

    @Test
    void aMissingImageIsRefusedByName() {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), missing, false),
                Accel.TCG, 0)).hasMessageContaining("cannot read the root image " + missing);
    }

    @Test
    void anImageThatIsNotWholeMemoryBlocksIsRefusedWithItsSize() throws Exception {
        Path image = image(130 * MIB);
        assertThatThrownBy(() -> QemuCommandLine.build(spec("q35", VmSize.fixed(1, 512), image, false),
                Accel.TCG, 0))
                .hasMessageContaining(image + " is " + 130 * MIB + " bytes, not a whole number of 128 MiB");
    }

    @Test
    void reclaimingFreedMemoryAddsABalloonThatReportsFreePages() {
        assertThat(devices("q35", true)).contains("virtio-balloon-pci,id=balloon0,free-page-reporting=on");
        assertThat(devices("microvm", true)).contains("virtio-balloon-device,id=balloon0,free-page-reporting=on");
    }

    @Test
    void withoutReclaimingThereIsNoBalloon() {
        assertThat(devices("q35", false)).noneMatch(d -> d.contains("balloon"));
    }
}
