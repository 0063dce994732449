package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod-level cgroup the kubelet makes before RunPodSandbox (its {@code cgroup_parent}), in every cgroup
 * hierarchy the host mounts (v1 controllers or the v2 tree). containerd reads PodSandboxStats from it.
 */
public final class PodCgroups {
    private PodCgroups() {
    }

    /** Where cgroup hierarchies are mounted on this host. */
    private static List<Path> hierarchies() throws IOException {
        List<Path> roots = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ", -1);
            int dash = List.of(f).indexOf("-");
            String type = f[dash + 1];
            if ((type.equals("cgroup") || type.equals("cgroup2")) && f[4].startsWith("/sys/fs/cgroup")) {
                roots.add(Path.of(f[4]));
            }
        }
        return roots;
    }

    /** Makes {@code parent} (absolute, as the kubelet names it) in every hierarchy. */
    public static void create(String parent) throws IOException {
        for (Path root : hierarchies()) {
            Files.createDirectories(root.resolve(parent.substring(1)));
        }
    }

    /**
     * Removes {@code parent} and whichever of its ancestors are left empty, in every hierarchy, waiting a
     * little for the runtime to remove its containers' groups inside it.
     */
    public static void remove(String parent) throws IOException, InterruptedException {
        for (int i = 0; i < 50 && exists(parent); i++) {
            removeOnce(parent);
            Thread.sleep(100);
        }
        if (exists(parent)) {
            throw new IOException("pod cgroup " + parent + " is not empty");
        }
    }

    private static boolean exists(String parent) throws IOException {
        for (Path root : hierarchies()) {
            if (Files.exists(root.resolve(parent.substring(1)))) {
                return true;
            }
        }
        return false;
    }

    private static void removeOnce(String parent) throws IOException {
        for (Path root : hierarchies()) {
            Path dir = root.resolve(parent.substring(1));
            while (!dir.equals(root)) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException notEmpty) {
                    break;
                }
                dir = dir.getParent();
            }
        }
    }
}
