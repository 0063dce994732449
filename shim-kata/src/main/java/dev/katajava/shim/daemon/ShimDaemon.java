package dev.katajava.shim.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Processes;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.shim.ShimFlags;
import dev.katajava.shim.cli.BundleFiles;
import dev.katajava.shim.cli.RuntimeOptionsInput;
import dev.katajava.shim.cli.StartOutput;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.io.LogFifo;
import dev.katajava.shim.service.TaskService;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The long-lived shim: serves the Task API on its socket until Shutdown (with no containers left), SIGTERM,
 * or the removal of its bundle, then stops the VM, removes the socket and exits.
 */
public final class ShimDaemon {
    private static final Log LOG = Log.of("shim");

    private final ShimFlags flags;
    private final Path bundle;
    private final Path socket;
    private final CountDownLatch exit = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private TtrpcServer server;
    private EventPublisher events;
    private TaskService service;

    private ShimDaemon(ShimFlags flags, Path bundle, Path socket) {
        this.flags = flags;
        this.bundle = bundle;
        this.socket = socket;
    }

    /**
     * Goes on from the start action as the daemon for a new sandbox: detaches from containerd's start, serves
     * on {@code socket}, reports {@code address} once it does, and returns when the shim is done. {@code spec}
     * is the bundle's config.json, which the start action read.
     */
    public static int run(ShimFlags flags, Path bundle, JsonNode spec, Path socket, String address) {
        StartOutput start;
        try {
            start = StartOutput.detach(bundle);
        } catch (ErrnoException e) {
            System.err.println("start failed: cannot detach from containerd's start: " + e.getMessage());
            return 1;
        }
        ShimDaemon daemon = new ShimDaemon(flags, bundle, socket);
        try {
            return daemon.serve(start, spec, address);
        } catch (Exception e) {
            LOG.error("shim daemon failed", e);
            start.failed("start failed: " + e.getMessage());
            daemon.stop();
            return 1;
        }
    }

    private int serve(StartOutput start, JsonNode spec, String address) throws IOException, InterruptedException {
        try {
            Processes.setsid();
        } catch (ErrnoException e) {
            // A process group leader cannot leave its session: run by hand, not by the launcher.
            LOG.warn("the shim stays in its parent's session", "error", e.getMessage());
        }
        Log.configure(openLog(bundle), flags.debug() ? Level.DEBUG : Level.INFO, "id", flags.id(),
                "pid", Long.toString(ProcessHandle.current().pid()));
        String ttrpcAddress = System.getenv("TTRPC_ADDRESS");
        events = new EventPublisher(ttrpcAddress == null || ttrpcAddress.isEmpty() ? null : Path.of(ttrpcAddress),
                flags.namespace());
        service = TaskService.create(flags.namespace(), events, this::requestExit);
        server = new TtrpcServer(service.register(new ServiceRegistry()));
        // Before the socket answers: containerd's Create follows at once and must find the boot under way.
        service.bootEarly(flags.id(), bundle, spec, runtimeOptions(start.runtimeOptions()));
        ServerSocketChannel listener = bind();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "shim-shutdown"));
        Thread.ofPlatform().name("ttrpc-accept").start(() -> {
            try {
                server.listen(listener, true);
            } catch (IOException e) {
                LOG.error("listener failed", e);
                requestExit();
            }
        });
        BundleFiles.writeAtomically(bundle, BundleFiles.SHIM_PID, Long.toString(ProcessHandle.current().pid()));
        BundleFiles.writeAtomically(bundle, BundleFiles.ADDRESS, address);
        start.serving(address);
        LOG.info("shim serving", "socket", socket);
        BundleWatch.start(bundle, () -> {
            LOG.warn("the bundle was removed: containerd is done with this shim; stopping");
            requestExit();
        });
        exit.await();
        stop();
        return 0;
    }

    /** The runtime options containerd gave the start action (see {@link RuntimeOptionsInput}); null if none. */
    private static Any runtimeOptions(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            return Any.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            LOG.warn("cannot decode the runtime options containerd gave the start action", "error", e.getMessage());
            return null;
        }
    }

    private ServerSocketChannel bind() throws IOException {
        Files.createDirectories(socket.getParent(), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx--x--x")));
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return listener;
    }

    /** containerd reads the bundle's log FIFO into its own log; without a reader, stderr (see {@link LogFifo}). */
    private static OutputStream openLog(Path bundle) {
        OutputStream log = LogFifo.open(bundle.resolve("log"));
        return log != null ? log : System.err;
    }

    private void requestExit() {
        exit.countDown();
    }

    /** Runs once: stops serving, stops the VM, flushes events, removes the socket. */
    private void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (server != null) {
            server.close();
        }
        if (service != null) {
            service.stopSandbox();
        }
        if (events != null) {
            events.close(Duration.ofSeconds(3));
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove socket", "socket", socket, "error", e.getMessage());
        }
        LOG.info("shim exiting");
    }
}
