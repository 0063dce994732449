package dev.katajava.virtcontainers.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.protocols.agent.Spec;
import org.junit.jupiter.api.Test;

class TrainingContainerTest {
    @Test
    void theFirstRoundRunsContainerdsPlainContainerSpec() throws Exception {
        Spec plain = TrainingContainer.spec(0);
        assertThat(plain.getAnnotationsMap()).isEmpty();
        assertThat(plain.getLinux().getCgroupsPath()).isEqualTo("/default/training");
        // containerd's default device rules: deny all, then runc's allow list.
        assertThat(plain.getLinux().getResources().getDevicesCount()).isGreaterThan(1);
        assertThat(plain.getLinux().getResources().getDevices(0).getAllow()).isFalse();
        assertThat(plain.getLinux().getResources().getMemory().getLimit()).isZero();
        assertThat(plain.getRoot().getPath()).isEqualTo(TrainingContainer.GUEST_ROOTFS);
        assertThat(plain.getProcess().getArgsList()).containsExactly("sh", "-c", "read line && echo \"$line\"");
    }

    @Test
    void theSecondRoundRunsItShapedAsAPodSandboxWithLimits() throws Exception {
        Spec pod = TrainingContainer.spec(1);
        assertThat(pod.getAnnotationsMap()).containsEntry("io.kubernetes.cri.container-type", "sandbox")
                .containsEntry("io.kubernetes.cri.sandbox-id", TrainingContainer.SANDBOX_ID);
        assertThat(pod.getLinux().getResources().getMemory().getLimit()).isEqualTo(256L << 20);
        assertThat(pod.getLinux().getResources().getCPU().getQuota()).isEqualTo(100_000);
        assertThat(pod.getRoot().getPath()).isEqualTo(TrainingContainer.GUEST_ROOTFS);
    }
}
