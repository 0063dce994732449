package dev.katajava.agent.testing;

import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcServer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/** A ttrpc server for a test's handlers on a Unix socket, served until closed, and clients of it. */
public final class LocalTtrpcServer implements AutoCloseable {
    private final TtrpcServer server;
    private final Path socket;

    private LocalTtrpcServer(TtrpcServer server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /** Serves {@code registry} on a new socket at {@code socket}. */
    public static LocalTtrpcServer serve(ServiceRegistry registry, Path socket) throws IOException {
        TtrpcServer server = new TtrpcServer(registry);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                server.listen(listener, false);
            } catch (IOException e) {
                // Closed at the end of the test.
            }
        });
        return new LocalTtrpcServer(server, socket);
    }

    public TtrpcClient connect() throws IOException {
        return TtrpcClient.connect(socket);
    }

    @Override
    public void close() {
        server.close();
    }
}
