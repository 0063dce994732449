package dev.katajava.agent.container;

import java.nio.file.Path;

/**
 * Where the container library finds its launcher and keeps per-container state.
 *
 * @param nsexec    the native launcher
 * @param stateRoot a directory on a local filesystem for FIFOs and launch files
 * @param noPivot   use MS_MOVE+chroot instead of pivot_root (needed while / is an initramfs)
 * @param cgroupRoot the cgroup v2 mount containers' cgroups are made under
 */
public record ContainerRuntime(Path nsexec, Path stateRoot, boolean noPivot, Path cgroupRoot) {
}
