package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a finished sandbox must not leave behind: processes, mounts and directories. */
public final class Leaks {
    private Leaks() {
    }

    /**
     * Waits up to {@code patience} for a sandbox's traces to disappear (the shim exits a moment after
     * ctr returns) and returns what is still there then.
     */
    public static List<String> awaitNone(String sandboxId, PrivateContainerd containerd, java.time.Duration patience)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        List<String> leaks = find(sandboxId, containerd);
        while (!leaks.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            leaks = find(sandboxId, containerd);
        }
        return leaks;
    }

    /**
     * Everything of {@code sandboxId} that still exists: its QEMU and virtiofsd, its shim (by the wrapper's
     * or the JVM's command line), mounts of it under /run/kata-containers, any mount under the private
     * containerd's root or state, and its host directories.
     */
    public static List<String> find(String sandboxId, PrivateContainerd containerd) throws IOException {
        List<String> leaks = new ArrayList<>();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            all.forEach(p -> {
                String cmd = p.info().commandLine().orElse("");
                boolean virtiofsd = cmd.contains("virtiofsd") && cmd.contains("/run/vc/vm/" + sandboxId + "/");
                if ((cmd.contains("qemu-system") && cmd.contains("sandbox-" + sandboxId)) || virtiofsd) {
                    leaks.add("process " + p.pid() + ": " + cmd);
                }
                boolean shim = cmd.contains("containerd-shim-kata-v2") || cmd.contains("dev.katajava.shim.ShimMain");
                if (shim && (cmd.contains("-id " + sandboxId + " ") || cmd.endsWith("-id " + sandboxId))) {
                    leaks.add("process " + p.pid() + ": " + cmd);
                }
            });
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ", -1)[4];
            if ((mountPoint.startsWith("/run/kata-containers/") && mountPoint.contains(sandboxId))
                    || mountPoint.startsWith(containerd.state() + "/")
                    || mountPoint.startsWith(containerd.root() + "/")) {
                leaks.add("mount " + mountPoint);
            }
        }
        for (Path dir : List.of(Path.of("/run/kata-containers/shared/sandboxes", sandboxId),
                Path.of("/run/vc/vm", sandboxId), Path.of("/run/vc/sbs", sandboxId))) {
            if (Files.exists(dir)) {
                leaks.add("directory " + dir);
            }
        }
        return leaks;
    }
}
