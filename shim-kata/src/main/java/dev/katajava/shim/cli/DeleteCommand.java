package dev.katajava.shim.cli;

import com.google.protobuf.Timestamp;
import dev.katajava.protocols.task.DeleteResponse;
import dev.katajava.shim.ShimAddress;
import dev.katajava.shim.ShimFlags;
import dev.katajava.virtcontainers.SandboxJanitor;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.oci.ContainerType;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import dev.katajava.virtcontainers.rootfs.RootfsMounter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The {@code delete} action. containerd runs it after every task deletion and when a shim died: it must
 * release what the shim held for this container and write a DeleteResponse (exit 137, as Kata reports a
 * killed task) to stdout within containerd's 5 s budget.
 */
public final class DeleteCommand {
    private static final int KILLED_STATUS = 128 + 9;

    private DeleteCommand() {
    }

    public static int run(ShimFlags flags, PrintStream out) {
        int code = 0;
        try {
            Identifiers.requireValid("container id", flags.id());
            Path bundle = flags.bundle().isEmpty() ? Path.of("").toAbsolutePath() : Path.of(flags.bundle());
            cleanup(flags.id(), bundle);
        } catch (Exception e) {
            System.err.println("cleanup of " + flags.id() + " incomplete: " + e.getMessage());
            code = 1;
        }
        Instant now = Instant.now();
        DeleteResponse response = DeleteResponse.newBuilder()
                .setExitStatus(KILLED_STATUS)
                .setExitedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
        try {
            response.writeTo(out);
            out.flush();
        } catch (IOException e) {
            return 1;
        }
        return code;
    }

    private static void cleanup(String id, Path bundle) throws Exception {
        String address = BundleFiles.readOrEmpty(bundle, BundleFiles.ADDRESS);
        if (!address.isEmpty() && StartCommand.answers(ShimAddress.fromUri(address))) {
            // The daemon is alive and owns the container's state: it is asked to let go of it.
            LiveShimRelease.release(ShimAddress.fromUri(address), id);
            return;
        }
        ContainerType type;
        try {
            type = ContainerType.of(id, OciSpecReader.read(bundle));
        } catch (Exception unreadable) {
            type = new ContainerType(ContainerType.Kind.SINGLE_CONTAINER, id);
        }
        if (type.ownsVm()) {
            SandboxJanitor.cleanupSandbox(type.sandboxId(), SandboxPaths.DEFAULT);
        } else {
            SandboxJanitor.cleanupContainer(type.sandboxId(), id, SandboxPaths.DEFAULT);
        }
        RootfsMounter.unmount(bundle.resolve("rootfs"));
    }
}
