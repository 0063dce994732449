package dev.katajava.tests.bench;

import dev.katajava.tests.cri.v1.ContainerState;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.support.BusyboxImage;
import dev.katajava.tests.support.CriClient;
import dev.katajava.tests.support.CriConfigs;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * CRI pod start, as the kubelet starts a pod: from RunPodSandbox to the first ContainerStatus that says the
 * pod's one container is running (RunPodSandbox, CreateContainer, StartContainer, status polls every 10 ms),
 * per runtime handler, through a private containerd with its CRI plugin and CNI. Each pod is stopped and
 * removed before the next one starts. Prints one line per handler:
 * {@code cri_pod_start_ms handler=H median=M p90=P runs=[...]}.
 *
 * <p>Arguments: PREFIX CONFIG REPO RUNS HANDLER... (the staged install, its configuration.toml, the
 * repository for the image scripts).
 */
public final class CriPodStartBench {
    private CriPodStartBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: CriPodStartBench PREFIX CONFIG REPO RUNS HANDLER...");
            System.exit(2);
        }
        Path prefix = Path.of(args[0]);
        Path config = Path.of(args[1]);
        Path repo = Path.of(args[2]);
        int runs = Integer.parseInt(args[3]);
        Path logs = Files.createTempDirectory("cri-bench-logs");
        try (PrivateContainerd containerd = PrivateContainerd.startWithCri(prefix, config, repo);
             CriClient cri = new CriClient(containerd.socket())) {
            String image = BusyboxImage.importInto(containerd, PrivateContainerd.CRI_NAMESPACE, repo);
            for (int h = 4; h < args.length; h++) {
                String handler = args[h];
                List<Long> times = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    times.add(podStartMillis(cri, image, logs, handler, i));
                }
                List<Long> sorted = times.stream().sorted().toList();
                System.out.printf("cri_pod_start_ms handler=%s median=%d p90=%d runs=%s%n", handler,
                        sorted.get((sorted.size() - 1) / 2), sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1),
                        times);
            }
        } finally {
            try (var files = Files.walk(logs)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long podStartMillis(CriClient cri, String image, Path logs, String handler, int run)
            throws Exception {
        PodSandboxConfig pod = CriConfigs.pod("bench-" + handler + "-" + run, logs).build();
        Files.createDirectories(Path.of(pod.getLogDirectory()));
        long start = System.nanoTime();
        String podId = cri.runPod(pod, handler);
        try {
            String c = cri.runContainer(podId, pod, CriConfigs.container("main", image, "sleep", "600").build());
            while (cri.containerStatus(c).getState() != ContainerState.CONTAINER_RUNNING) {
                if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("pod " + podId + " not running after 5 minutes");
                }
                Thread.sleep(10);
            }
            return Duration.ofNanos(System.nanoTime() - start).toMillis();
        } finally {
            cri.stopAndRemovePod(podId);
        }
    }
}
