package dev.katajava.shim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.shim.ShimAddress;
import dev.katajava.shim.ShimFlags;
import dev.katajava.shim.daemon.ShimDaemon;
import dev.katajava.virtcontainers.oci.ContainerType;
import dev.katajava.virtcontainers.oci.Identifiers;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code start} action: find the daemon that serves this container's sandbox and print its address, or
 * become that daemon. Its output goes straight into containerd's address parser, so it prints nothing else.
 *
 * <p>A new sandbox's daemon is this very process, not a second JVM it launches: the launcher runs the action
 * in the background, in a process that can leave containerd's session, and prints what it reports (see
 * {@link StartOutput}). One JVM start is thus all that lies between containerd and the VM's boot.
 */
public final class StartCommand {
    /** Set by the launcher when it runs the action in the background, where it may go on as the daemon. */
    public static final String BACKGROUND_ENV = "KATA_SHIM_START_IN_BACKGROUND";

    private StartCommand() {
    }

    public static int run(ShimFlags flags, PrintStream out) {
        Path bundle;
        JsonNode spec;
        Path socket;
        String address;
        try {
            flags.requireNamespace();
            Identifiers.requireValid("container id", flags.id());
            bundle = flags.bundle().isEmpty() ? Path.of("").toAbsolutePath() : Path.of(flags.bundle());
            spec = OciSpecReader.read(bundle);
            ContainerType type = ContainerType.of(flags.id(), spec);
            socket = ShimAddress.socketPath(flags.address(), flags.namespace(), type.sandboxId());
            address = ShimAddress.uri(socket);
            if (answers(socket)) {
                BundleFiles.writeAtomically(bundle, BundleFiles.ADDRESS, address);
                out.print(address);
                out.flush();
                return 0;
            }
            if (!type.ownsVm()) {
                System.err.println("sandbox " + type.sandboxId() + " of container " + flags.id()
                        + " has no running shim at " + address);
                return 1;
            }
        } catch (Exception e) {
            System.err.println("start failed: " + e.getMessage());
            return 1;
        }
        if (!"1".equals(System.getenv(BACKGROUND_ENV))) {
            // Run in the foreground, the daemon would hold containerd's start until the sandbox ends.
            System.err.println("start failed: a new sandbox's shim must be started through the "
                    + "containerd-shim-kata-v2 launcher, which runs it in the background");
            return 1;
        }
        return ShimDaemon.run(flags, bundle, spec, socket, address);
    }

    /** Whether a shim accepts connections on {@code socket}. */
    static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
