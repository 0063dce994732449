package dev.katajava.virtcontainers.template;

import static org.assertj.core.api.Assertions.assertThat;
import dev.katajava.virtcontainers.vmsource.ReadyVm;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateCloneTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private RuntimeConfig templated() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        new TemplateFactory(new FakeVm.Provider(true), new TemplateFixture.FakeMount(1L << 40)).init(config);
        return config;
    }

    private ReadyVm attempt(RuntimeConfig config, FakeVm.Provider provider, int nics, String vsock)
            throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("run/sb1"));
        return TemplateClone.attempt("sb1", runDir, config, ShareDevice.virtio9p(dir.resolve("share")), nics, vsock,
                provider, CLOCK);
    }

    @Test
    void aMatchingTemplateIsClonedAndTheCloneReseededAndGivenTheHostsTime() throws Exception {
        RuntimeConfig config = templated();
        FakeVm.Provider provider = new FakeVm.Provider(true);

        ReadyVm clone = attempt(config, provider, 1, null);

        assertThat(clone).isNotNull();
        FakeVm vm = provider.made.getFirst();
        assertThat(vm.spec.template().role()).isEqualTo(TemplateBoot.Role.CLONE);
        assertThat(vm.spec.template().stateFile()).isEqualTo(dir.resolve("tpl/state"));
        assertThat(vm.spec.agent().kind().isVsock()).as("clones use virtio-serial").isFalse();
        assertThat(vm.seeds).singleElement().satisfies(s -> assertThat(s).hasSize(TemplateClone.SEED_BYTES));
        assertThat(vm.clockSeconds).containsExactly(1_800_000_000L);
        clone.agent().close();
        vm.stop(java.time.Duration.ZERO);
    }

    @Test
    void withoutATemplateTheSandboxBootsColdAndNoVmIsStarted() throws Exception {
        RuntimeConfig config = TemplateFixture.config(dir, "");
        FakeVm.Provider provider = new FakeVm.Provider(true);
        assertThat(attempt(config, provider, 0, null)).isNull();
        assertThat(provider.made).isEmpty();
        assertThat(((TemplateCheck.Unusable) TemplateCheck.of(config)).reason())
                .contains("no finished template at " + dir.resolve("tpl"));
    }

    @Test
    void aTemplateMadeByAnotherQemuIsNotCloned() throws Exception {
        RuntimeConfig config = templated();
        Files.writeString(dir.resolve("qemu"), "another qemu build");
        FakeVm.Provider provider = new FakeVm.Provider(true);

        assertThat(attempt(config, provider, 0, null)).isNull();
        assertThat(provider.made).isEmpty();
        assertThat(((TemplateCheck.Unusable) TemplateCheck.of(config)).reason())
                .contains("qemu differs").contains("factory init rebuilds it");
    }

    @Test
    void aMissingOrTruncatedMemoryFileIsNotCloned() throws Exception {
        RuntimeConfig config = templated();
        Files.writeString(dir.resolve("tpl/memory"), "short");
        assertThat(((TemplateCheck.Unusable) TemplateCheck.of(config)).reason()).contains("memory file");
        Files.delete(dir.resolve("tpl/memory"));
        assertThat(((TemplateCheck.Unusable) TemplateCheck.of(config)).reason()).contains("memory file");
        assertThat(attempt(config, new FakeVm.Provider(true), 0, null)).isNull();
    }

    @Test
    void anUnreadableFingerprintIsNotCloned() throws Exception {
        RuntimeConfig config = templated();
        Files.writeString(dir.resolve("tpl/fingerprint"), "garbage without an equals sign\n");
        assertThat(((TemplateCheck.Unusable) TemplateCheck.of(config)).reason()).contains("cannot be read");
    }

    @Test
    void aCloneWhoseAgentDoesNotAnswerIsStoppedAndTheSandboxBootsCold() throws Exception {
        RuntimeConfig config = templated();
        FakeVm.Provider provider = new FakeVm.Provider(false);

        assertThat(attempt(config, provider, 0, null)).isNull();
        assertThat(provider.made).singleElement().satisfies(vm -> {
            assertThat(vm.started).isTrue();
            assertThat(vm.stopped).isTrue();
        });
    }

    @Test
    void hostSocketsAVirtioFsShareOrMoreNicsThanPortsBootCold() throws Exception {
        RuntimeConfig config = templated();
        FakeVm.Provider provider = new FakeVm.Provider(true);
        assertThat(attempt(config, provider, 0, "forwarding the host sockets /run/a.sock")).isNull();
        assertThat(attempt(config, provider, TemplateShape.NIC_SLOTS + 1, null)).isNull();
        assertThat(provider.made).isEmpty();
        assertThat(TemplateClone.coldReason(config, ShareDevice.virtioFs(dir.resolve("vfs.sock")), 0, null))
                .contains("shared guest RAM");
        assertThat(TemplateClone.coldReason(config, ShareDevice.virtio9p(dir), 0, "forwarding the host sockets x"))
                .isEqualTo("forwarding the host sockets x needs a vsock agent channel, and a clone has virtio-serial");
    }
}
