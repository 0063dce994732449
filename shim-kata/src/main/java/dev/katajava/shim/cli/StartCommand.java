package dev.katajava.shim.cli;

import dev.katajava.shim.ShimAddress;
import dev.katajava.shim.ShimFlags;
import dev.katajava.shim.ShimMain;
import dev.katajava.shim.io.LogFifo;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code start} action: find or launch the daemon that will serve this container and print its
 * address. Its output goes straight into containerd's address parser, so it prints nothing else.
 */
public final class StartCommand {
    /** Set by the launcher script to its own path, so the daemon runs with the same JVM settings. */
    public static final String LAUNCHER_ENV = "KATA_SHIM_LAUNCHER";
    private static final long DAEMON_READY_TIMEOUT_MS = 20_000;

    private StartCommand() {
    }

    public static int run(ShimFlags flags, PrintStream out) {
        try {
            flags.requireNamespace();
            Identifiers.requireValid("container id", flags.id());
            Path bundle = flags.bundle().isEmpty() ? Path.of("").toAbsolutePath() : Path.of(flags.bundle());
            ContainerType type = ContainerType.of(flags.id(), OciSpecReader.read(bundle));
            Path socket = ShimAddress.socketPath(flags.address(), flags.namespace(), type.sandboxId());
            String address = ShimAddress.uri(socket);
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
            Files.deleteIfExists(socket);
            Process daemon = launchDaemon(flags, bundle, socket);
            // The daemon boots the VM while containerd is still on its way to Create; it needs the same
            // runtime options Create will carry, which containerd gives only to this action.
            try (var toDaemon = daemon.getOutputStream()) {
                toDaemon.write(RuntimeOptionsInput.read());
            } catch (IOException e) {
                // A daemon that died at once is reported by waitUntilServing.
            }
            waitUntilServing(daemon, socket);
            BundleFiles.writeAtomically(bundle, BundleFiles.SHIM_PID, Long.toString(daemon.pid()));
            BundleFiles.writeAtomically(bundle, BundleFiles.ADDRESS, address);
            out.print(address);
            out.flush();
            return 0;
        } catch (Exception e) {
            System.err.println("start failed: " + e.getMessage());
            return 1;
        }
    }

    private static Process launchDaemon(ShimFlags flags, Path bundle, Path socket) throws IOException {
        Files.createDirectories(socket.getParent(), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx--x--x")));
        List<String> command = new ArrayList<>(daemonCommand());
        command.addAll(flags.daemonArgs(socket.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(bundle.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // A JVM that dies before its logger is up still leaves its last words in containerd's log, when a
        // containerd reads it: opening a FIFO nobody reads would wait for ever.
        Path log = bundle.resolve("log");
        pb.redirectError(LogFifo.hasReader(log) ? ProcessBuilder.Redirect.appendTo(log.toFile())
                : ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    private static List<String> daemonCommand() {
        String launcher = System.getenv(LAUNCHER_ENV);
        if (launcher != null && !launcher.isEmpty()) {
            return List.of(launcher);
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ShimMain.class.getName());
    }

    private static void waitUntilServing(Process daemon, Path socket) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + DAEMON_READY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (answers(socket)) {
                return;
            }
            if (!daemon.isAlive()) {
                throw new IOException("shim daemon exited with code " + daemon.exitValue()
                        + " before serving " + socket + " (see containerd's log for its output)");
            }
            Thread.sleep(5);
        }
        daemon.destroyForcibly();
        throw new IOException("shim daemon did not serve " + socket + " within " + DAEMON_READY_TIMEOUT_MS + " ms");
    }

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
