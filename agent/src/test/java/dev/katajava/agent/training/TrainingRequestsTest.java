package dev.katajava.agent.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.katajava.agent.container.SpecValidator;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingRequestsTest {
    private final List<TrainingRequests.Call> script = TrainingRequests.script("aot-training", "aot-training-0");

    @Test
    void followsTheShimsOrderFromHealthCheckToDestroy() {
        assertThat(script).extracting(TrainingRequests.Call::method).containsSubsequence(
                "Check", "GetGuestDetails", "CreateSandbox", "CreateContainer", "StartContainer", "ReadStdout",
                "WaitProcess", "RemoveContainer");
    }

    @Test
    void theRoundEndsByDestroyingTheSandboxWhichMustSucceed() {
        assertThat(script).extracting(TrainingRequests.Call::method).doesNotContain("DestroySandbox");
        assertThat(TrainingRequests.destroySandbox().method()).isEqualTo("DestroySandbox");
        assertThat(TrainingRequests.destroySandbox().mustSucceed()).isTrue();
    }

    @Test
    void onlyCallsWithoutSideEffectsMustSucceed() {
        assertThat(script).filteredOn(TrainingRequests.Call::mustSucceed).extracting(TrainingRequests.Call::method)
                .containsExactly("Check", "Version", "GetGuestDetails");
    }

    @Test
    void theFirstSandboxCarriesTheShimsSharedFilesystemAndTheSecondNone() {
        List<CreateSandboxRequest> sandboxes = script.stream().filter(c -> c.method().equals("CreateSandbox"))
                .map(c -> (CreateSandboxRequest) c.request()).toList();
        assertThat(sandboxes).hasSize(2);
        assertThat(sandboxes.get(0).getStoragesList()).singleElement().satisfies(s -> {
            assertThat(s.getDriver()).isEqualTo("9p");
            assertThat(s.getOptionsList()).contains("trans=virtio");
        });
        assertThat(sandboxes.get(1).getStoragesCount()).isZero();
        assertThat(sandboxes.get(1).getHostname()).isEqualTo("aot-training");
    }

    @Test
    void theContainerIsValidExceptForItsMissingRootfs() {
        CreateContainerRequest req = script.stream().filter(c -> c.method().equals("CreateContainer"))
                .map(c -> (CreateContainerRequest) c.request()).findFirst().orElseThrow();
        Spec spec = req.getOCI();
        assertThatCode(() -> SpecValidator.requireId("container id", req.getContainerId())).doesNotThrowAnyException();
        assertThat(spec.getRoot().getPath()).startsWith("/").endsWith("/aot-training-0/rootfs");
        assertThat(Files.exists(Path.of(spec.getRoot().getPath()))).isFalse();
        assertThat(spec.getProcess().getArgsList()).isNotEmpty();
        assertThat(spec.getLinux().getNamespacesList()).extracting(ns -> ns.getType())
                .doesNotContain("network", "cgroup").contains("mount", "pid");
        assertThat(spec.getMountsList()).allSatisfy(m -> assertThat(m.getDestination()).startsWith("/"));
    }

    @Test
    void survivesTheWireUnchanged() throws Exception {
        for (TrainingRequests.Call c : script) {
            byte[] bytes = c.request().toByteArray();
            assertThat(c.request().getParserForType().parseFrom(bytes)).isEqualTo(c.request());
        }
    }
}
