package dev.katajava.agent.container;

import java.nio.file.Path;

/**
 * Where the container library finds its launcher and keeps per-container state.
 *
 * @param launcher  starts the native launcher
 * @param stateRoot a directory on a local filesystem for FIFOs and launch files
 * @param noPivot   always use MS_MOVE+chroot; otherwise pivot_root is tried and only a root that refuses it
 *                  (an initramfs) falls back to MS_MOVE+chroot
 * @param cgroupRoot the cgroup v2 mount containers' cgroups are made under
 */
public record ContainerRuntime(Launcher launcher, Path stateRoot, boolean noPivot, Path cgroupRoot) {
}
