package dev.katajava.virtcontainers.fs;

import dev.katajava.virtcontainers.config.HypervisorConfig;
import java.nio.file.Path;

/** Picks the share implementation the configuration's {@code shared_fs} names. */
public final class SharedFilesystems {
    private SharedFilesystems() {
    }

    public static SharedFilesystem forConfig(HypervisorConfig hv, SandboxShareLayout layout, Path runDir) {
        return hv.virtioFs() != null ? new VirtioFsShare(layout, runDir, hv.virtioFs()) : new Virtio9pShare(layout);
    }
}
