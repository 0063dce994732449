package dev.katajava.virtcontainers.fs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What every share does the same way: containers' root filesystems and volumes are bind-mounted into the
 * sandbox's {@link ShareTree}; only how the tree reaches the guest differs.
 */
abstract class TreeBackedShare implements SharedFilesystem {
    protected final ShareTree tree;

    TreeBackedShare(SandboxShareLayout layout) {
        this.tree = new ShareTree(layout);
    }

    @Override
    public final String shareRootfs(String containerId, Path hostRootfs) throws IOException {
        return tree.shareRootfs(containerId, hostRootfs);
    }

    @Override
    public final String shareVolume(String containerId, Path source, String name, boolean recursive,
                                    boolean readonly) throws IOException {
        return tree.shareVolume(containerId, source, name, recursive, readonly);
    }

    @Override
    public final void unshareContainer(String containerId) throws IOException {
        tree.unshareContainer(containerId);
    }
}
