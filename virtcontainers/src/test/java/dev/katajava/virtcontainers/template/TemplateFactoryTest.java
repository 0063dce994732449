package dev.katajava.virtcontainers.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateFactoryTest {
    @TempDir
    Path dir;

    @Test
    void initBootsTheTemplateOnATmpfsSizedForItsRamAndLeavesAUsableTemplate() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true);
        TemplateFixture.FakeMount mount = new TemplateFixture.FakeMount(1L << 40);

        TemplateFactory.Outcome outcome = new TemplateFactory(provider, mount).init(config);

        assertThat(outcome.made()).isTrue();
        Path tpl = dir.resolve("tpl");
        assertThat(mount.mounted).containsEntry(tpl, (256L << 20) + TemplateFactory.HEADROOM);
        FakeVm vm = provider.made.getFirst();
        assertThat(vm.spec.template().role()).isEqualTo(TemplateBoot.Role.TEMPLATE);
        assertThat(vm.spec.template().memoryFile()).isEqualTo(tpl.resolve("memory"));
        assertThat(vm.stopped).as("the template VM is stopped once saved").isTrue();
        assertThat(vm.seeds).as("the clone's calls are run in the template").isNotEmpty();
        assertThat(TemplateCheck.of(config)).isInstanceOf(TemplateCheck.Usable.class);
        assertThat(tpl.resolve("boot")).doesNotExist();
    }

    @Test
    void initRunsTrainingContainersOnTheShareAndSavesTheTemplateWithNoSandboxLeft() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true);

        TemplateFactory.Outcome outcome = new TemplateFactory(provider, new TemplateFixture.FakeMount(1L << 40))
                .init(config);

        FakeVm vm = provider.made.getFirst();
        List<String> round = List.of("CreateSandbox 9p", "CreateContainer " + dev.katajava.virtcontainers.agent.TrainingContainer.GUEST_ROOTFS,
                "StartContainer", "ExecProcess", "RemoveContainer", "DestroySandbox");
        List<String> twoRounds = new java.util.ArrayList<>(round);
        twoRounds.addAll(round);
        assertThat(vm.guest.calls).containsExactlyElementsOf(twoRounds);
        assertThat(vm.savedWithSandbox).as("QEMU cannot migrate with the share mounted").isFalse();
        assertThat(outcome.message()).contains("training container");
    }

    @Test
    void aTrainingContainerPrintingTheWrongOutputFailsInitAndLeavesNothing() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true, true);

        assertThatThrownBy(() -> new TemplateFactory(provider, new TemplateFixture.FakeMount(1L << 40)).init(config))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("training container training-0: its process printed \"garbled\\n\"");

        assertThat(provider.made.getFirst().stopped).isTrue();
        assertThat(provider.made.getFirst().guest.calls).endsWith("RemoveContainer", "DestroySandbox");
        assertThat(dir.resolve("tpl")).doesNotExist();
    }

    @Test
    void initLeavesAMatchingTemplateAloneAndRebuildsAStaleOne() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true);
        TemplateFactory factory = new TemplateFactory(provider, new TemplateFixture.FakeMount(1L << 40));
        factory.init(config);

        assertThat(factory.init(config).made()).isFalse();
        assertThat(provider.made).hasSize(1);

        Files.setLastModifiedTime(dir.resolve("vmlinux"), FileTime.fromMillis(1_000_000L));
        assertThat(TemplateCheck.of(config)).isInstanceOf(TemplateCheck.Unusable.class);
        assertThat(factory.init(config).made()).isTrue();
        assertThat(provider.made).hasSize(2);
        assertThat(TemplateCheck.of(config)).isInstanceOf(TemplateCheck.Usable.class);
    }

    @Test
    void aTmpfsWithoutRoomForTheRamFailsInitBeforeAnyVmAndLeavesNothing() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true);
        TemplateFixture.FakeMount mount = new TemplateFixture.FakeMount(1L << 20);

        assertThatThrownBy(() -> new TemplateFactory(provider, mount).init(config))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("has 1 MiB free; the template needs 272 MiB");
        assertThat(provider.made).isEmpty();
        assertThat(mount.mounted).isEmpty();
        assertThat(dir.resolve("tpl")).doesNotExist();
    }

    @Test
    void aTemplateVmWhoseAgentNeverAnswersFailsInitAndIsStopped() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(false);
        TemplateFixture.FakeMount mount = new TemplateFixture.FakeMount(1L << 40);

        assertThatThrownBy(() -> new TemplateFactory(provider, mount).init(config))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("cannot make the template at " + dir.resolve("tpl"));
        assertThat(provider.made.getFirst().stopped).isTrue();
        assertThat(mount.mounted).isEmpty();
        assertThat(dir.resolve("tpl")).doesNotExist();
    }

    @Test
    void virtioFsCannotBeTemplated() throws Exception {
        Path daemon = Files.writeString(dir.resolve("virtiofsd"), "#!/bin/sh\n");
        daemon.toFile().setExecutable(true);
        RuntimeConfig config = TemplateFixture.config(dir, "shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \""
                + daemon + "\"");
        assertThatThrownBy(() -> new TemplateFactory(new FakeVm.Provider(true),
                new TemplateFixture.FakeMount(1L << 40)).init(config))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("virtio-fs needs guest RAM its daemon can map");
    }

    @Test
    void destroyRemovesTheFilesAndDetachesTheTmpfs() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        TemplateFixture.FakeMount mount = new TemplateFixture.FakeMount(1L << 40);
        TemplateFactory factory = new TemplateFactory(new FakeVm.Provider(true), mount);
        factory.init(config);

        assertThat(factory.destroy(dir.resolve("tpl"))).isTrue();
        assertThat(mount.mounted).isEmpty();
        assertThat(dir.resolve("tpl")).doesNotExist();
        assertThat(factory.destroy(dir.resolve("tpl"))).isFalse();
    }
}
