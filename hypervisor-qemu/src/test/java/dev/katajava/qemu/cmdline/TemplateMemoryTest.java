package dev.katajava.qemu.cmdline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateMemoryTest {
    private static final Path MEMORY = Path.of("/run/vc/vm/template/memory");
    private static final Path STATE = Path.of("/run/vc/vm/template/state");

    private static VmSpec spec(String id, TemplateBoot.Role role, AgentEndpoint agent, boolean reclaim) {
        Path runDir = Path.of("/run/vc/vm/" + id);
        return new VmSpec(id, runDir, Path.of("/usr/bin/qemu-system-x86_64"), Path.of("/k/vmlinux"),
                Path.of("/k/initrd"), "q35", List.of(), new VmSize(1, 2, 2048, 4096, 10), Accelerator.TCG,
                ShareDevice.virtio9p(Path.of("/run/kata-containers/shared/sandboxes/" + id + "/shared")),
                agent == null ? AgentEndpoint.virtioSerial(runDir.resolve("agent.sock")) : agent, false, 4, null,
                reclaim, new TemplateBoot(role, MEMORY, STATE));
    }

    private static VmSpec spec(String id, TemplateBoot.Role role) {
        return spec(id, role, null, false);
    }

    /** The command line with what differs per VM (its name, run directory and share) taken out. */
    private static List<String> shape(List<String> cmd, String id) {
        List<String> out = new ArrayList<>();
        for (String arg : cmd) {
            out.add(arg.replace(id, "ID"));
        }
        return out;
    }

    @Test
    void theTemplateKeepsItsRamSharedInTheMemoryFileAndHasAGenerationId() {
        List<String> cmd = QemuCommandLine.build(spec("template", TemplateBoot.Role.TEMPLATE), Accel.TCG, 0);
        assertThat(QemuCommandLineTest.value(cmd, "-object")).isEqualTo("memory-backend-file,id=ram,mem-path=" + MEMORY
                + ",size=2048M,share=on");
        assertThat(QemuCommandLineTest.value(cmd, "-machine")).isEqualTo("q35,memory-backend=ram");
        assertThat(QemuCommandLineTest.values(cmd, "-device")).contains("vmgenid,guid=auto")
                .noneMatch(d -> d.contains("balloon"));
        assertThat(cmd).doesNotContain("-incoming");
    }

    @Test
    void aCloneMapsTheMemoryFilePrivatelyAndWaitsForItsState() {
        List<String> cmd = QemuCommandLine.build(spec("sb1", TemplateBoot.Role.CLONE), Accel.TCG, 0);
        assertThat(QemuCommandLineTest.value(cmd, "-object")).isEqualTo("memory-backend-file,id=ram,mem-path=" + MEMORY
                + ",size=2048M,share=off");
        assertThat(QemuCommandLineTest.value(cmd, "-incoming")).isEqualTo("defer");
        assertThat(cmd).contains("-S");
    }

    @Test
    void aCloneHasTheTemplatesDevicesInTheSameOrder() {
        List<String> template = shape(QemuCommandLine.build(spec("template", TemplateBoot.Role.TEMPLATE),
                Accel.TCG, 0), "template");
        List<String> clone = shape(QemuCommandLine.build(spec("sb1", TemplateBoot.Role.CLONE), Accel.TCG, 0), "sb1");
        for (String flag : List.of("-device", "-m", "-smp", "-chardev")) {
            assertThat(QemuCommandLineTest.values(clone, flag)).as(flag)
                    .isEqualTo(QemuCommandLineTest.values(template, flag));
        }
    }

    @Test
    void aVhostUserAgentChannelCannotBeTemplatedBecauseItNeedsSharedRam() {
        VmSpec spec = spec("sb1", TemplateBoot.Role.CLONE, new AgentEndpoint(AgentEndpoint.Kind.VHOST_USER_VSOCK,
                Path.of("/run/vc/vm/sb1/kata.hvsock"), 3), false);
        assertThatThrownBy(() -> QemuCommandLine.build(spec, Accel.TCG, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot have a vhost-user device");
    }

    @Test
    void freePageReportingIsRefusedForTemplatedVms() {
        assertThatThrownBy(() -> QemuCommandLine.build(spec("sb1", TemplateBoot.Role.CLONE, null, true), Accel.TCG, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("punch holes in the template's memory file");
    }
}
