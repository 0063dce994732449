package dev.katajava.qemu.accel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvmVerdictTest {
    @TempDir
    Path dir;

    @Test
    void aRecordedReasonIsReadBackByTheNextSandbox() throws Exception {
        Path file = dir.resolve("kata/kvm-unusable");
        assertThat(new KvmVerdict(file).knownBroken()).isEmpty();
        assertThat(new KvmVerdict(file).recordBroken("failed to set MSR 0x10a")).isTrue();
        assertThat(new KvmVerdict(file).knownBroken()).contains("failed to set MSR 0x10a");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary files left").containsExactly(file);
        }
    }

    @Test
    void aVerdictThatCannotBeWrittenIsReportedNotThrown() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThat(new KvmVerdict(blocker.resolve("kvm-unusable")).recordBroken("why")).isFalse();
    }

    @Test
    void eachQemuAndKernelPairHasAVerdictOfItsOwn() {
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        Path a = KvmVerdict.fileFor(dir, qemu, Path.of("/usr/share/kata-containers/vmlinux.container"));
        assertThat(a).isEqualTo(KvmVerdict.fileFor(dir, qemu, Path.of("/usr/share/kata-containers/vmlinux.container")));
        assertThat(a.getParent()).isEqualTo(dir);
        assertThat(a.getFileName().toString()).startsWith(KvmVerdict.FILE_PREFIX);
        assertThat(KvmVerdict.fileFor(dir, qemu, Path.of("/opt/pvm/vmlinux"))).isNotEqualTo(a);
        assertThat(KvmVerdict.fileFor(dir, Path.of("/opt/qemu/bin/qemu-system-x86_64"),
                Path.of("/usr/share/kata-containers/vmlinux.container"))).isNotEqualTo(a);
    }
}
