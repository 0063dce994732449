package dev.katajava.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KataRuntimeTest {
    @TempDir
    Path root;

    private record Output(int code, String out, String err) {
    }

    private Output run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KataRuntime.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), root);
        return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path config(String extra) throws Exception {
        return Files.writeString(root.resolve("configuration.toml"), """
                [hypervisor.qemu]
                path = "/usr/bin/qemu-fake"
                kernel = "/share/vmlinux"
                initrd = "/share/initrd"
                %s
                [agent.kata]
                dial_timeout = 30
                """.formatted(extra));
    }

    private void fakeHost(boolean withImage) throws Exception {
        Path qemu = Files.createDirectories(root.resolve("usr/bin")).resolve("qemu-fake");
        Files.writeString(qemu, "#!/bin/sh\necho 'QEMU emulator version 7.2.0'\n");
        Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/kvm"));
        if (withImage) {
            Files.createDirectories(root.resolve("share"));
            Files.createFile(root.resolve("share/vmlinux"));
            Files.createFile(root.resolve("share/initrd"));
        }
    }

    @Test
    void checkReportsWhatIsThereAndWhatIsUsedInstead() throws Exception {
        fakeHost(true);
        Files.createDirectories(root.resolve("run/kata-containers"));
        Files.writeString(root.resolve("run/kata-containers/kvm-unusable-0123456789abcdef"), "failed to set MSR\n");
        Output o = run("--config", config("").toString(), "check");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("absent KVM: /dev/kvm exists but did not give a working guest")
                .contains("failed to set MSR")
                .contains("absent vhost-vsock: /dev/vhost-vsock is missing; the agent is reached over vhost-user-vsock (our backend)")
                .contains("ok     QEMU: /usr/bin/qemu-fake (QEMU emulator version 7.2.0)")
                .contains("System is capable");
    }

    @Test
    void checkFailsNamingAMissingGuestImage() throws Exception {
        fakeHost(false);
        Output o = run("--config", config("").toString(), "check");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.out()).contains("ERROR  guest kernel: /share/vmlinux is missing").contains("cannot run");
    }

    @Test
    void checkNamesTheRootImageAndItsLoaderWhenTheGuestBootsFromAnImage() throws Exception {
        fakeHost(true);
        Output o = run("--config", config("image = \"/share/root.img\"").toString(), "check");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.out()).contains("ok     guest loader initrd: /share/initrd")
                .contains("ERROR  guest root image: /share/root.img is missing");
        Files.createFile(root.resolve("share/root.img"));
        assertThat(run("--config", config("image = \"/share/root.img\"").toString(), "check").code()).isZero();
    }

    @Test
    void envShowsTheRootImageAndWhetherFreedGuestMemoryIsReclaimed() throws Exception {
        Output o = run("--config", config("image = \"/share/root.img\"\nreclaim_guest_freed_memory = true")
                .toString(), "env");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("image = \"/share/root.img\"").contains("rootfs_type = \"erofs\"")
                .contains("reclaim_guest_freed_memory = true");
    }

    @Test
    void envPrintsTheEffectiveConfigurationAndItsSource() throws Exception {
        Path file = config("default_vcpus = 2\nbogus_key = 1");
        Output o = run("--config", file.toString(), "env");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("read from " + file).contains("default_vcpus = 2")
                .contains("default_memory = 2048").contains("dial_timeout = 30")
                .contains("# warning: " + file + ":6: [hypervisor.qemu] bogus_key: unknown key, ignored");
    }

    @Test
    void aBadConfigurationValueIsReportedWithItsKeyAndLine() throws Exception {
        Output o = run("--config", config("default_memory = \"lots\"").toString(), "env");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains(":5: [hypervisor.qemu] default_memory: expected an integer");
    }

    @Test
    void unknownCommandsAreRefusedWithUsage() {
        Output o = run("frobnicate");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("unknown argument \"frobnicate\"").contains("check|env|version");
    }

    @Test
    void containerdConfigPrintsTheCriHandlerWithTheConfigurationFileItResolved() throws Exception {
        Path file = config("");
        Output o = run("--config", file.toString(), "containerd-config", "--handler", "kata-qemu");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-qemu]\n"
                        + "  runtime_type = \"io.containerd.kata.v2\"")
                .contains("  privileged_without_host_devices = true")
                .contains("  pod_annotations = [\"io.katacontainers.*\"]")
                .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-qemu.options]\n"
                        + "    ConfigPath = \"" + file + "\"");
    }

    @Test
    void containerdConfigRefusesAHandlerKubernetesCouldNotName() throws Exception {
        Output o = run("--config", config("").toString(), "containerd-config", "--handler", "Kata_1");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("\"Kata_1\"").contains("DNS label");
    }

    @Test
    void factoryWithoutAnActionOrWithAnUnknownOneIsAUsageError() throws Exception {
        String file = config("").toString();
        Output none = run("--config", file, "factory");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("factory needs an action");
        Output bogus = run("--config", file, "factory", "rebuild");
        assertThat(bogus.code()).isEqualTo(2);
        assertThat(bogus.err()).contains("unknown factory action \"rebuild\"").contains("factory init|status|destroy");
    }

    @Test
    void factoryInitRefusesWhenTemplatingAndTheVmCacheAreOff() throws Exception {
        Output o = run("--config", config("").toString(), "factory", "init");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains("templating and the VM cache are off")
                .contains("[factory] enable_template = false, vm_cache_number = 0");
    }

    @Test
    void factoryStatusShowsTheSettingsAndThatThereIsNoTemplate() throws Exception {
        Path tpl = root.resolve("tpl");
        Path file = config("");
        Files.writeString(file, Files.readString(file) + "\n[factory]\nenable_template = true\ntemplate_path = \""
                + tpl + "\"\n");
        Output o = run("--config", file.toString(), "factory", "status");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("enable_template = true", "template_path = " + tpl, "template: none");
        Output destroy = run("--config", file.toString(), "factory", "destroy");
        assertThat(destroy.code()).isZero();
        assertThat(destroy.out()).contains("no template at " + tpl);
    }

    @Test
    void logNamesAFileThatGetsTheFactorysStructuredLog() throws Exception {
        Path tpl = Files.createDirectories(root.resolve("tpl"));
        Files.writeString(tpl.resolve("state"), "leftover");
        Path file = config("");
        Files.writeString(file, Files.readString(file) + "\n[factory]\nenable_template = true\ntemplate_path = \""
                + tpl + "\"\n");
        Path log = root.resolve("runtime.log");
        Output o = run("--log", log.toString(), "--config", file.toString(), "factory", "destroy");
        assertThat(o.code()).isZero();
        assertThat(o.err()).isEmpty();
        assertThat(Files.readString(log)).contains("level=info", "msg=\"template removed\"", "path=" + tpl,
                "pid=" + ProcessHandle.current().pid());
    }

    @Test
    void aLogFileThatCannotBeOpenedIsRefusedBeforeAnythingRuns() throws Exception {
        Path tpl = Files.createDirectories(root.resolve("tpl"));
        Path file = config("");
        Files.writeString(file, Files.readString(file) + "\n[factory]\nenable_template = true\ntemplate_path = \""
                + tpl + "\"\n");
        Output o = run("--log", root.resolve("no/such/dir/runtime.log").toString(), "--config", file.toString(),
                "factory", "destroy");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains("--log " + root.resolve("no/such/dir/runtime.log"), "cannot open it");
        assertThat(tpl).exists();
    }
}
