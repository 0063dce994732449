package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidatorTest {
    @TempDir
    Path rootfs;

    private Spec.Builder valid() {
        return Spec.newBuilder()
                .setRoot(Root.newBuilder().setPath(rootfs.toString()))
                .setHostname("c1")
                .setProcess(Process.newBuilder().addArgs("sh").setCwd("/"))
                .addMounts(Mount.newBuilder().setDestination("/proc").setType("proc").setSource("proc"))
                .setLinux(Linux.newBuilder()
                        .addNamespaces(LinuxNamespace.newBuilder().setType("pid"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("uts"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("network").setPath("/proc/1/ns/net")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"c1", "a", "0abc", "my.container_1-2", "a..b", "x+y"})
    void acceptsIdsOfLettersDigitsAndPunctuationStartingAlphanumeric(String id) {
        assertThatCode(() -> SpecValidator.requireId("container id", id)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "..", "-a", ".a", "a/b", "a b", "a\nb", "é"})
    void rejectsIdsThatAreEmptyOrCouldNameAnotherPath(String id) {
        assertThatThrownBy(() -> SpecValidator.requireId("container id", id))
                .isInstanceOf(ContainerException.class)
                .hasMessageStartingWith("invalid container id")
                .satisfies(e -> assertThat(((ContainerException) e).kind()).isEqualTo(ContainerException.Kind.INVALID));
    }

    @Test
    void rejectsAnIdLongerThan128Characters() {
        assertThatCode(() -> SpecValidator.requireId("exec id", "a".repeat(128))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SpecValidator.requireId("exec id", "a".repeat(129)))
                .hasMessageStartingWith("invalid exec id");
    }

    @Test
    void acceptsCtrsShapeOfSpec() {
        assertThatCode(() -> SpecValidator.validate("c1", valid().build())).doesNotThrowAnyException();
    }

    @Test
    void requiresAProgram() {
        Spec spec = valid().setProcess(Process.newBuilder().setCwd("/")).build();
        assertThatThrownBy(() -> SpecValidator.validate("c1", spec)).hasMessage("spec: process.args must name the program to run");
    }

    @Test
    void requiresAnAbsoluteRootThatIsADirectory() {
        assertThatThrownBy(() -> SpecValidator.validate("c1", valid().setRoot(Root.newBuilder().setPath("rootfs")).build()))
                .hasMessage("spec: root.path must be absolute, got \"rootfs\"");
        String missing = rootfs.resolve("missing").toString();
        assertThatThrownBy(() -> SpecValidator.validate("c1", valid().setRoot(Root.newBuilder().setPath(missing)).build()))
                .hasMessage("spec: root.path " + missing + " is not a directory");
    }

    @Test
    void requiresAnAbsoluteCwdAndMountDestinations() {
        Spec relativeCwd = valid().setProcess(Process.newBuilder().addArgs("sh").setCwd("tmp")).build();
        assertThatThrownBy(() -> SpecValidator.validate("c1", relativeCwd))
                .hasMessage("spec: process.cwd must be absolute, got \"tmp\"");
        Spec relativeMount = valid().addMounts(Mount.newBuilder().setDestination("dev").setType("tmpfs")).build();
        assertThatThrownBy(() -> SpecValidator.validate("c1", relativeMount))
                .hasMessage("spec: mount destination must be absolute, got \"dev\"");
    }

    @Test
    void refusesAHostnameWithoutAUtsNamespace() {
        Spec spec = valid().setLinux(Linux.newBuilder().addNamespaces(LinuxNamespace.newBuilder().setType("pid"))).build();
        assertThatThrownBy(() -> SpecValidator.validate("c1", spec))
                .hasMessage("spec: hostname \"c1\" needs a uts namespace of the container's own");
        assertThatCode(() -> SpecValidator.validate("c1", spec.toBuilder().clearHostname().build()))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesToJoinAnExistingContainerNamespaceButLeavesTheVmsToTheRuntime() {
        Spec spec = valid().setLinux(valid().getLinux().toBuilder()
                .addNamespaces(LinuxNamespace.newBuilder().setType("ipc").setPath("/proc/7/ns/ipc"))).build();
        assertThatThrownBy(() -> SpecValidator.validate("c1", spec))
                .hasMessage("spec: joining an existing ipc namespace (/proc/7/ns/ipc) is not supported in the guest");
    }
}
