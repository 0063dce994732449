package dev.katajava.virtcontainers.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Path FILE = Path.of("/etc/kata-containers/configuration.toml");
    private static final String VALID = """
            [hypervisor.qemu]
            path = "/usr/bin/qemu-system-x86_64"
            kernel = "/k/vmlinux"
            initrd = "/k/initrd.img"
            machine_type = "microvm"
            kernel_params = "  agent.log=debug   quiet "
            default_vcpus = 2
            default_memory = 512
            accelerator = "tcg"

            [agent.kata]
            dial_timeout = 30

            [runtime]
            enable_debug = true
            """;

    @TempDir
    Path dir;

    @Test
    void readsEveryValueItUses() throws Exception {
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID);
        HypervisorConfig hv = config.hypervisor();
        assertThat(hv.kernel()).isEqualTo(Path.of("/k/vmlinux"));
        assertThat(hv.machineType()).isEqualTo("microvm");
        assertThat(hv.kernelParams()).containsExactly("agent.log=debug", "quiet");
        assertThat(hv.defaultVcpus()).isEqualTo(2);
        assertThat(hv.defaultMemoryMiB()).isEqualTo(512);
        assertThat(hv.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(config.agent().dialTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.debug()).isTrue();
        assertThat(config.disableGuestSeccomp()).isFalse();
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void anUnknownAgentTransportIsRejectedWithTheChoices() {
        String text = VALID.replace("dial_timeout = 30", "dial_timeout = 30\ntransport = \"carrier-pigeon\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":13: [agent.kata] transport: unsupported value \"carrier-pigeon\"")
                .hasMessageContaining("vhost-user-vsock");
    }

    @Test
    void guestSeccompCanBeDisabledAsInKata() throws Exception {
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID + "disable_guest_seccomp = true\n");
        assertThat(config.disableGuestSeccomp()).isTrue();
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void networkDefaultsToTcfilterAsInKata() throws Exception {
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID);
        assertThat(config.network()).isEqualTo(NetworkConfig.DEFAULT);
        assertThat(config.network().model()).isEqualTo(NetworkConfig.Model.TCFILTER);
    }

    @Test
    void theNetworkKeysAreRead() throws Exception {
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID.replace("accelerator = \"tcg\"",
                "accelerator = \"tcg\"\ndisable_vhost_net = true")
                + "internetworking_model = \"none\"\ndisable_new_netns = true\n");
        assertThat(config.network()).isEqualTo(new NetworkConfig(NetworkConfig.Model.NONE, true, true));
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void anUnknownInternetworkingModelIsRejectedNamingFileKeyAndLine() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "internetworking_model = \"macvtap\"\n"))
                .hasMessageContaining(FILE + ":16: [runtime] internetworking_model: unsupported value \"macvtap\"")
                .hasMessageContaining("[none, tcfilter]");
    }

    @Test
    void disableNewNetnsWorksOnlyWithoutAnInternetworkingModel() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "disable_new_netns = true\n"))
                .hasMessageContaining(FILE + ":16: [runtime] disable_new_netns: true works only with"
                        + " internetworking_model = \"none\"");
    }

    @Test
    void hostSocketForwardingIsOnUnlessTheRuntimeSectionTurnsItOff() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID).disableHostSocketForwarding()).isFalse();
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID + "disable_host_socket_forwarding = true\n");
        assertThat(config.disableHostSocketForwarding()).isTrue();
        assertThat(config.warnings()).isEmpty();
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "disable_host_socket_forwarding = \"yes\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("[runtime] disable_host_socket_forwarding");
    }

    @Test
    void directStdioStreamsAreOnUnlessUsePassfdIoTurnsThemOff() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID).usePassfdIo()).isTrue();
        RuntimeConfig config = ConfigLoader.parse(FILE, VALID + "use_passfd_io = false\n");
        assertThat(config.usePassfdIo()).isFalse();
        assertThat(config.warnings()).isEmpty();
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "use_passfd_io = 1\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("[runtime] use_passfd_io");
    }

    @Test
    void wrongTypeNamesFileKeyAndLine() {
        String text = VALID.replace("default_vcpus = 2", "default_vcpus = \"two\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .isInstanceOf(ConfigException.class)
                .hasMessage(FILE + ":7: [hypervisor.qemu] default_vcpus: expected an integer, got \"two\"");
    }

    @Test
    void outOfRangeValueIsRejected() {
        String text = VALID.replace("default_memory = 512", "default_memory = 16");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":8: [hypervisor.qemu] default_memory: must be between 64");
    }

    @Test
    void unknownMachineTypeIsRejectedWithTheChoices() {
        String text = VALID.replace("\"microvm\"", "\"pc\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":5: [hypervisor.qemu] machine_type: unsupported value \"pc\"")
                .hasMessageContaining("microvm").hasMessageContaining("q35");
    }

    @Test
    void unknownKeysAreWarnedAboutWithTheirLine() throws Exception {
        String text = VALID.replace("[agent.kata]\n", "[agent.kata]\nkernel_modules = []\n");
        RuntimeConfig config = ConfigLoader.parse(FILE, text);
        assertThat(config.warnings()).containsExactly(FILE + ":12: [agent.kata] kernel_modules: unknown key, ignored");
    }

    @Test
    void malformedTomlReportsTheLine() {
        String text = VALID.replace("default_vcpus = 2", "default_vcpus = = 2");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageStartingWith(FILE + ":7: not valid TOML");
    }

    @Test
    void relativeKernelPathIsRejected() {
        String text = VALID.replace("\"/k/vmlinux\"", "\"vmlinux\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":3: [hypervisor.qemu] kernel: must be an absolute path");
    }

    @Test
    void aGuestHookPathIsPassedOnAndMustBeAbsolute() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID).hypervisor().guestHookPath()).isEmpty();
        assertThat(ConfigLoader.parse(FILE, withVirtioFs("guest_hook_path = \"/usr/share/oci/hooks\"\n"))
                .hypervisor().guestHookPath()).isEqualTo("/usr/share/oci/hooks");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, withVirtioFs("guest_hook_path = \"oci/hooks\"\n")))
                .hasMessageContaining(":10: [hypervisor.qemu] guest_hook_path: must be an absolute path");
    }

    @Test
    void withoutAnImageTheGuestBootsFromTheInitrdAndKeepsWhatItFrees() throws Exception {
        HypervisorConfig hv = ConfigLoader.parse(FILE, VALID).hypervisor();
        assertThat(hv.image()).isNull();
        assertThat(hv.reclaimGuestFreedMemory()).isFalse();
    }

    @Test
    void anImageOnQ35IsReadWithTheInitrdAsItsLoaderAndReclaimingIsKatasKey() throws Exception {
        String text = withVirtioFs("image = \"/k/root.img\"\nreclaim_guest_freed_memory = true\n")
                .replace("\"microvm\"", "\"q35\"");
        RuntimeConfig config = ConfigLoader.parse(FILE, text);
        assertThat(config.hypervisor().image()).isEqualTo(Path.of("/k/root.img"));
        assertThat(config.hypervisor().initrd()).isEqualTo(Path.of("/k/initrd.img"));
        assertThat(config.hypervisor().reclaimGuestFreedMemory()).isTrue();
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void anEmptyImageMeansNoImage() throws Exception {
        assertThat(ConfigLoader.parse(FILE, withVirtioFs("image = \"\"\n")).hypervisor().image()).isNull();
    }

    @Test
    void anImageWithoutAnInitrdIsRejectedNamingTheLoader() {
        String text = withVirtioFs("image = \"/k/root.img\"\n").replace("\"microvm\"", "\"q35\"")
                .replace("initrd = \"/k/initrd.img\"\n", "");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":9: [hypervisor.qemu] image: needs initrd as well")
                .hasMessageContaining("loader");
    }

    @Test
    void katasRootfsTypeKeyAcceptsTheErofsImageAndRefusesAnotherFilesystemNamingTheLine() throws Exception {
        String erofs = withVirtioFs("image = \"/k/root.img\"\nrootfs_type = \"erofs\"\n")
                .replace("\"microvm\"", "\"q35\"");
        assertThat(ConfigLoader.parse(FILE, erofs).warnings()).as("a known key, with the image's own type").isEmpty();

        String ext4 = erofs.replace("rootfs_type = \"erofs\"", "rootfs_type = \"ext4\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, ext4))
                .hasMessageContaining(":11: [hypervisor.qemu] rootfs_type: unsupported value \"ext4\"")
                .hasMessageContaining("EROFS");
    }

    @Test
    void anImageOnMicrovmIsRejectedBecauseTheDeviceIsPci() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, withVirtioFs("image = \"/k/root.img\"\n")))
                .hasMessageContaining(":10: [hypervisor.qemu] image: needs machine_type = \"q35\"")
                .hasMessageContaining("got \"microvm\"");
    }

    @Test
    void aRelativeImagePathIsRejected() {
        String text = withVirtioFs("image = \"root.img\"\n").replace("\"microvm\"", "\"q35\"");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":10: [hypervisor.qemu] image: must be an absolute path");
    }

    /** VALID with {@code lines} after its accelerator line (line 9), so they start at line 10. */
    private static String withVirtioFs(String lines) {
        return VALID.replace("accelerator = \"tcg\"\n", "accelerator = \"tcg\"\n" + lines);
    }

    private Path daemon() throws Exception {
        Path daemon = Files.writeString(dir.resolve("virtiofsd"), "#!/bin/sh\n");
        daemon.toFile().setExecutable(true);
        return daemon;
    }

    @Test
    void sharedFsDefaultsToVirtio9pWithoutDaemonSettings() throws Exception {
        HypervisorConfig hv = ConfigLoader.parse(FILE, VALID).hypervisor();
        assertThat(hv.sharedFs()).isEqualTo("virtio-9p");
        assertThat(hv.virtioFs()).isNull();
    }

    @Test
    void virtioFsReadsTheDaemonItsArgumentsAndMapsKatasNeverCacheToNone() throws Exception {
        Path daemon = daemon();
        RuntimeConfig config = ConfigLoader.parse(FILE, withVirtioFs("""
                shared_fs = "virtio-fs"
                virtio_fs_daemon = "%s"
                virtio_fs_cache = "never"
                virtio_fs_extra_args = ["--thread-pool-size=1", "-o", "xattr"]
                virtio_fs_cache_size = 0
                """.formatted(daemon)));
        HypervisorConfig hv = config.hypervisor();
        assertThat(hv.sharedFs()).isEqualTo("virtio-fs");
        assertThat(hv.virtioFs()).isEqualTo(
                new VirtioFsConfig(daemon, "none", List.of("--thread-pool-size=1", "-o", "xattr")));
        assertThat(hv.virtioFs().kataCache()).isEqualTo("never");
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void virtioFsCacheDefaultsToAuto() throws Exception {
        String text = withVirtioFs("shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon() + "\"\n");
        assertThat(ConfigLoader.parse(FILE, text).hypervisor().virtioFs().cache()).isEqualTo("auto");
    }

    @Test
    void virtioFsWithoutADaemonIsRejectedAtTheSharedFsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, withVirtioFs("shared_fs = \"virtio-fs\"\n")))
                .hasMessageContaining(FILE + ":10: [hypervisor.qemu] shared_fs:")
                .hasMessageContaining("virtio_fs_daemon");
    }

    @Test
    void aMissingOrNonExecutableDaemonIsRejectedNamingFileKeyAndLine() throws Exception {
        Path notExecutable = Files.writeString(dir.resolve("plain"), "");
        for (Path daemon : new Path[] {dir.resolve("absent"), notExecutable, dir}) {
            String text = withVirtioFs("shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon + "\"\n");
            assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                    .hasMessageContaining(FILE + ":11: [hypervisor.qemu] virtio_fs_daemon: " + daemon)
                    .hasMessageContaining("not an executable file");
        }
    }

    @Test
    void anUnknownVirtioFsCacheModeIsRejectedWithKatasChoices() throws Exception {
        String text = withVirtioFs("shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon()
                + "\"\nvirtio_fs_cache = \"none\"\n");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":12: [hypervisor.qemu] virtio_fs_cache: unsupported value \"none\"")
                .hasMessageContaining("[always, auto, never]");
    }

    @Test
    void aDaxCacheSizeIsRejectedAsNotImplemented() throws Exception {
        String text = withVirtioFs("shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon()
                + "\"\nvirtio_fs_cache_size = 1024\n");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":12: [hypervisor.qemu] virtio_fs_cache_size: only 0 is supported")
                .hasMessageContaining("DAX");
    }

    @Test
    void extraArgsMustBeAnArrayOfStrings() throws Exception {
        String text = withVirtioFs("shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon()
                + "\"\nvirtio_fs_extra_args = [\"-o\", 1]\n");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, text))
                .hasMessageContaining(":12: [hypervisor.qemu] virtio_fs_extra_args: expected an array of strings");
    }

    @Test
    void locatorPrefersTheRuntimeOptionThenTheEnvironment() throws Exception {
        Path a = Files.writeString(dir.resolve("a.toml"), VALID);
        Path b = Files.writeString(dir.resolve("b.toml"), VALID);
        assertThat(ConfigLocator.locate(a.toString(), Map.of("KATA_CONF_FILE", b.toString()))).isEqualTo(a);
        assertThat(ConfigLocator.locate("", Map.of("KATA_CONF_FILE", b.toString()))).isEqualTo(b);
        assertThatThrownBy(() -> ConfigLocator.locate(dir.resolve("none.toml").toString(), Map.of()))
                .hasMessageContaining("none.toml").hasMessageContaining("does not exist");
    }

    @Test
    void templatingIsOffByDefaultWithKatasTemplatePath() throws Exception {
        FactoryConfig factory = ConfigLoader.parse(FILE, VALID).factory();
        assertThat(factory.enableTemplate()).isFalse();
        assertThat(factory.templatePath()).isEqualTo(Path.of("/run/vc/vm/template"));
    }

    @Test
    void theFactoryTableTurnsTemplatingOnAtItsPath() throws Exception {
        FactoryConfig factory = ConfigLoader.parse(FILE, VALID
                + "\n[factory]\nenable_template = true\ntemplate_path = \"/run/tpl/a\"\n").factory();
        assertThat(factory.enableTemplate()).isTrue();
        assertThat(factory.templatePath()).isEqualTo(Path.of("/run/tpl/a"));
    }

    @Test
    void aNonBooleanEnableTemplateNamesFileKeyAndLine() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "\n[factory]\nenable_template = \"yes\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(FILE + ":18: [factory] enable_template: expected true or false, got \"yes\"");
    }

    @Test
    void aTemplatePathAShellWouldReadOtherwiseIsRejected() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID
                + "\n[factory]\ntemplate_path = \"/run/tpl; rm -rf x\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(FILE + ":18: [factory] template_path: \"/run/tpl; rm -rf x\" must be");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "\n[factory]\ntemplate_path = \"tpl\"\n"))
                .hasMessageContaining("must be an absolute path");
    }

    @Test
    void unknownFactoryKeysAreWarnedAbout() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID + "\n[factory]\ntemplate_size = 0\n").warnings())
                .singleElement().asString().contains("[factory] template_size: unknown key, ignored");
    }
}
