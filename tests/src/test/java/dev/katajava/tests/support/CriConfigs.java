package dev.katajava.tests.support;

import dev.katajava.tests.cri.v1.ContainerConfig;
import dev.katajava.tests.cri.v1.ContainerMetadata;
import dev.katajava.tests.cri.v1.DNSConfig;
import dev.katajava.tests.cri.v1.ImageSpec;
import dev.katajava.tests.cri.v1.LinuxPodSandboxConfig;
import dev.katajava.tests.cri.v1.Mount;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.cri.v1.PodSandboxMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** Pod and container configurations as the kubelet fills them for a simple pod spec. */
public final class CriConfigs {
    private CriConfigs() {
    }

    /**
     * A pod named {@code name} in namespace {@code e2e}: a fresh uid, the kubelet's log directory layout under
     * {@code logRoot}, hostname = name, DNS options a test can recognise in /etc/resolv.conf, and a cgroup
     * parent of the kubelet's cgroupfs layout (containerd needs one for PodSandboxStats).
     */
    public static PodSandboxConfig.Builder pod(String name, Path logRoot) {
        String uid = UUID.randomUUID().toString();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e").setUid(uid))
                .setHostname(name)
                .setLogDirectory(logRoot.resolve("e2e_" + name + "_" + uid).toString())
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.99.0.53").addSearches("e2e.svc.cluster.local")
                        .addOptions("ndots:5"))
                .putLabels("io.kubernetes.pod.name", name)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/pod" + uid));
    }

    /** A container of {@code image} running {@code command}, logging to {@code <name>/0.log} in the pod's directory. */
    public static ContainerConfig.Builder container(String name, String image, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + "/0.log");
    }

    /** A hostPath volume, as the kubelet passes it. */
    public static Mount hostPath(Path hostPath, String containerPath, boolean readOnly) {
        return Mount.newBuilder().setHostPath(hostPath.toString()).setContainerPath(containerPath)
                .setReadonly(readOnly).build();
    }
}
