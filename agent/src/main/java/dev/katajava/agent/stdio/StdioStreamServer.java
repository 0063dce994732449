package dev.katajava.agent.stdio;

import dev.katajava.agent.GuestSandbox;
import dev.katajava.agent.container.ContainerException;
import dev.katajava.agent.container.ContainerProcess;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.VsockSockets;
import dev.katajava.logging.Log;
import dev.katajava.transport.stdio.StdioStreamHeader;
import dev.katajava.transport.stdio.StdioStreamReply;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Serves direct stdio streams on an AF_VSOCK port: the runtime opens one connection per stream of a process
 * and names it in a {@link StdioStreamHeader}; from then on the connection carries that stream's bytes alone,
 * with no RPC per chunk. The agent advertises the port in GetGuestDetails; a runtime that does not know it
 * keeps using ReadStdout and WriteStdin.
 */
public final class StdioStreamServer {
    /** The agent's stdio port (1024 is the RPC port). */
    public static final int PORT = 1025;
    private static final Log LOG = Log.of("stdio");
    private static final int BACKLOG = 64;

    private final GuestSandbox sandbox;
    private final int port;

    public StdioStreamServer(GuestSandbox sandbox, int port) {
        this.sandbox = sandbox;
        this.port = port;
    }

    /** Starts accepting on the vsock port, on a thread of its own; the listening socket lives as long as the agent. */
    public void start() {
        acceptOnThread(-1);
    }

    /**
     * Starts accepting on {@code listenFd}, a stream socket already listening (the AOT training's Unix socket),
     * with the same code as {@link #start}.
     */
    public void startOn(int listenFd) {
        if (listenFd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + listenFd);
        }
        acceptOnThread(listenFd);
    }

    /** One thread start for both, so the AOT training's run covers the agent's own. */
    private void acceptOnThread(int listenFd) {
        Thread.ofPlatform().daemon().name("stdio-accept").start(() -> acceptLoop(listenFd));
    }

    /** Accepts on {@code listening}, or on the vsock port once it can be bound when that is -1. */
    private void acceptLoop(int listening) {
        int listenFd = listening;
        while (listenFd < 0) {
            try {
                listenFd = VsockSockets.listen(VsockSockets.VMADDR_CID_ANY, port, BACKLOG);
            } catch (ErrnoException e) {
                // The vsock device may not have probed yet, as for the RPC port.
                sleep();
            }
        }
        LOG.info("stdio streams served", "port", port);
        while (true) {
            try {
                int fd = VsockSockets.accept(listenFd);
                Thread.ofPlatform().daemon().name("stdio-" + fd).start(() -> serve(fd));
            } catch (ErrnoException e) {
                LOG.warn("stdio accept failed", "port", port, "error", e.getMessage());
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(int fd) {
        try {
            StdioStreamHeader h = StdioStreamHeader.read(fd);
            ContainerProcess p;
            try {
                p = sandbox.container(h.containerId()).process(h.execId());
            } catch (ContainerException e) {
                write(fd, StdioStreamReply.refused(e.getMessage()));
                return;
            }
            write(fd, StdioStreamReply.ok());
            LOG.debug("stdio stream attached", "container", h.containerId(), "exec", h.execId(), "stream", h.kind());
            long bytes = switch (h.kind()) {
                case STDIN -> StreamPumps.stdin(p, fd);
                case STDOUT, STDERR -> StreamPumps.output(p, h.kind(), fd);
            };
            LOG.debug("stdio stream ended", "container", h.containerId(), "exec", h.execId(), "stream", h.kind(),
                    "bytes", bytes);
        } catch (IOException e) {
            LOG.warn("stdio stream failed", "error", e.getMessage());
        } finally {
            try {
                Fds.close(fd);
            } catch (ErrnoException ignored) {
                // Ours alone; nothing left to undo.
            }
        }
    }

    static void write(int fd, byte[] bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Fds.writeFully(fd, seg, bytes.length);
        }
    }
}
