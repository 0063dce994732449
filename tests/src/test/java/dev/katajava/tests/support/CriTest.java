package dev.katajava.tests.support;

import dev.katajava.tests.cri.v1.PodSandboxConfig;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the end-to-end classes that go through containerd's CRI plugin, as Kubernetes does: a private
 * containerd {@link PrivateContainerd#startWithCri with CRI and CNI}, the busybox image in its namespace, a
 * {@link CriClient}, and every pod a test ran stopped and removed after it, checked to leave nothing behind.
 */
public abstract class CriTest {
    protected static final String KATA = PrivateContainerd.KATA_HANDLER;
    protected static final String RUNC = PrivateContainerd.RUNC_HANDLER;
    protected static PrivateContainerd containerd;
    protected static CriClient cri;
    protected static String image;
    protected static Path logRoot;
    private final List<String> pods = new ArrayList<>();
    private final List<String> podCgroups = new ArrayList<>();

    @BeforeAll
    static void startCri() throws Exception {
        containerd = PrivateContainerd.startWithCri(E2eEnvironment.PREFIX, E2eEnvironment.CONFIG, E2eEnvironment.REPO);
        image = BusyboxImage.importInto(containerd, PrivateContainerd.CRI_NAMESPACE, E2eEnvironment.REPO);
        cri = new CriClient(containerd.socket());
        logRoot = Files.createTempDirectory("kata-e2e-pod-logs");
    }

    @AfterAll
    static void stopCri() throws Exception {
        if (cri != null) {
            cri.close();
            cri = null;
        }
        if (containerd != null) {
            containerd.close();
            containerd = null;
        }
        if (logRoot != null) {
            Commands.run(List.of("rm", "-rf", logRoot.toString()), java.util.Map.of(), Duration.ofSeconds(30));
        }
    }

    /**
     * Runs a pod with {@code handler}, after making its log directory and cgroup parent as the kubelet does;
     * it is stopped and removed after the test.
     */
    protected String runPod(PodSandboxConfig config, String handler) throws Exception {
        Files.createDirectories(Path.of(config.getLogDirectory()));
        String cgroupParent = config.getLinux().getCgroupParent();
        if (!cgroupParent.isEmpty()) {
            PodCgroups.create(cgroupParent);
            podCgroups.add(cgroupParent);
        }
        String id = cri.runPod(config, handler);
        pods.add(id);
        return id;
    }

    /** Stops and removes a pod now (it is then no longer removed after the test); one failure fails the test. */
    protected void removePod(String podId) {
        pods.remove(podId);
        cri.stopAndRemovePod(podId);
    }

    /**
     * Stops and removes a pod as the kubelet does: a failed StopPodSandbox is tried again (up to three times,
     * a second apart). For the reference runtime, whose shim sometimes drops a connection during a stop
     * (seen here as {@code ttrpc: closed}), and for clean-up, where one stray failure must not leave a pod
     * running into the next test.
     */
    protected void removePodRetrying(String podId) throws InterruptedException {
        pods.remove(podId);
        for (int attempt = 1; ; attempt++) {
            try {
                cri.stopAndRemovePod(podId);
                return;
            } catch (StatusRuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    @AfterEach
    void removePods() throws Exception {
        // Every pod goes before any is checked: the check counts any mount under containerd's state, so a
        // pod still running would be charged to the one just removed.
        List<String> removed = List.copyOf(pods);
        for (String id : removed) {
            removePodRetrying(id);
        }
        List<String> leaks = new ArrayList<>();
        for (String id : removed) {
            leaks.addAll(Leaks.awaitNone(id, containerd, Duration.ofSeconds(30)));
        }
        for (String cgroup : podCgroups) {
            PodCgroups.remove(cgroup);
        }
        podCgroups.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("left behind: " + leaks);
        }
    }
}
