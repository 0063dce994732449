package dev.katajava.ttrpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** A TtrpcServer listening (same-user check on) on a unix socket in a temp dir. */
final class ListeningServer implements AutoCloseable {
    final TtrpcServer server;
    final Path socket;
    /** Completes when listen() returns, exceptionally if it threw. */
    final CompletableFuture<Void> listening = new CompletableFuture<>();

    ListeningServer(ServiceRegistry registry, Path dir) throws IOException {
        this.server = new TtrpcServer(registry);
        this.socket = dir.resolve("ttrpc.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                server.listen(listener, true);
                listening.complete(null);
            } catch (Throwable e) {
                listening.completeExceptionally(e);
            }
        });
    }

    TtrpcClient client() throws IOException {
        return TtrpcClient.connect(socket);
    }

    /** A plain socket to the server, for writing frames by hand. */
    SocketChannel raw() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    @Override
    public void close() {
        server.close();
    }
}
