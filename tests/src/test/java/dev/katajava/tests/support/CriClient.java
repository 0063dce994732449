package dev.katajava.tests.support;

import dev.katajava.tests.cri.v1.ContainerConfig;
import dev.katajava.tests.cri.v1.ContainerFilter;
import dev.katajava.tests.cri.v1.ContainerState;
import dev.katajava.tests.cri.v1.ContainerStatus;
import dev.katajava.tests.cri.v1.ContainerStatusRequest;
import dev.katajava.tests.cri.v1.CreateContainerRequest;
import dev.katajava.tests.cri.v1.ExecSyncRequest;
import dev.katajava.tests.cri.v1.ExecSyncResponse;
import dev.katajava.tests.cri.v1.ImageServiceGrpc;
import dev.katajava.tests.cri.v1.ListContainersRequest;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.cri.v1.PodSandboxStatus;
import dev.katajava.tests.cri.v1.PodSandboxStatusRequest;
import dev.katajava.tests.cri.v1.RemoveContainerRequest;
import dev.katajava.tests.cri.v1.RemovePodSandboxRequest;
import dev.katajava.tests.cri.v1.RunPodSandboxRequest;
import dev.katajava.tests.cri.v1.RuntimeServiceGrpc;
import dev.katajava.tests.cri.v1.StartContainerRequest;
import dev.katajava.tests.cri.v1.StopContainerRequest;
import dev.katajava.tests.cri.v1.StopPodSandboxRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CRI client making the kubelet's calls (runtime.v1 RuntimeService and ImageService) to a containerd's
 * CRI plugin over its unix socket. Every call has a deadline: pods of the {@code kata} handler boot a VM
 * under software emulation here, so the default is generous.
 */
public final class CriClient implements AutoCloseable {
    private static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(3);

    private final ManagedChannel channel;

    public CriClient(Path socket) {
        channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
    }

    /** The RuntimeService with the default deadline. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return runtime(DEFAULT_DEADLINE);
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration deadline) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(DEFAULT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** RunPodSandbox: the pod's id. */
    public String runPod(PodSandboxConfig config, String handler) {
        return runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
    }

    public PodSandboxStatus podStatus(String podId) {
        return runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build())
                .getStatus();
    }

    /** CreateContainer in {@code podId}, whose config (as the kubelet does) is sent along. */
    public String createContainer(String podId, PodSandboxConfig pod, ContainerConfig config) {
        return runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setSandboxConfig(pod).setConfig(config).build()).getContainerId();
    }

    public void startContainer(String containerId) {
        runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** CreateContainer and StartContainer: the container's id. */
    public String runContainer(String podId, PodSandboxConfig pod, ContainerConfig config) {
        String id = createContainer(podId, pod, config);
        startContainer(id);
        return id;
    }

    public ContainerStatus containerStatus(String containerId) {
        return runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
                .getStatus();
    }

    /** Polls ContainerStatus until the container is in {@code state}; fails with its last status otherwise. */
    public ContainerStatus awaitState(String containerId, ContainerState state, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        ContainerStatus status = containerStatus(containerId);
        while (status.getState() != state && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = containerStatus(containerId);
        }
        if (status.getState() != state) {
            throw new AssertionError("container " + containerId + " not " + state + " within " + patience + ": "
                    + status);
        }
        return status;
    }

    /** ExecSync with a timeout in seconds (0: none), as the kubelet runs exec probes. */
    public ExecSyncResponse execSync(String containerId, long timeoutSeconds, String... cmd) {
        Duration deadline = DEFAULT_DEADLINE.plusSeconds(timeoutSeconds);
        return runtime(deadline).execSync(ExecSyncRequest.newBuilder().setContainerId(containerId)
                .addAllCmd(List.of(cmd)).setTimeout(timeoutSeconds).build());
    }

    /** ExecSync that must succeed: its stdout. */
    public String exec(String containerId, String... cmd) {
        ExecSyncResponse r = execSync(containerId, 0, cmd);
        if (r.getExitCode() != 0) {
            throw new AssertionError(List.of(cmd) + " in " + containerId + " exited " + r.getExitCode() + ": "
                    + r.getStderr().toString(StandardCharsets.UTF_8) + r.getStdout().toString(StandardCharsets.UTF_8));
        }
        return r.getStdout().toString(StandardCharsets.UTF_8);
    }

    public List<dev.katajava.tests.cri.v1.Container> listContainers(String podId) {
        return runtime().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(podId)).build()).getContainersList();
    }

    public void stopContainer(String containerId, long timeoutSeconds) {
        runtime(DEFAULT_DEADLINE.plusSeconds(timeoutSeconds)).stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId).setTimeout(timeoutSeconds).build());
    }

    public void removeContainer(String containerId) {
        runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** StopPodSandbox then RemovePodSandbox, as the kubelet ends a pod. */
    public void stopAndRemovePod(String podId) {
        runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
