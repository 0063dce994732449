package dev.katajava.ttrpc;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A ttrpc server: answers the methods of a {@link ServiceRegistry} on any number of connections. */
public final class TtrpcServer implements java.io.Closeable {
    private final ServiceRegistry registry;
    private final Set<ByteStream> connections = ConcurrentHashMap.newKeySet();
    private volatile ServerSocketChannel listener;
    private volatile boolean closed;

    public TtrpcServer(ServiceRegistry registry) {
        this.registry = registry;
    }

    /** Serves one connection until EOF or {@link #close}. */
    public void serve(ByteStream connection) throws IOException {
        if (closed) {
            connection.close();
            return;
        }
        connections.add(connection);
        try {
            new ServerConnection(registry, connection).serve();
        } finally {
            connections.remove(connection);
        }
    }

    /**
     * Accepts connections on {@code server}, one virtual thread each. With {@code requireSameUser}, a peer
     * whose uid or gid differs from this process's is closed at once (containerd's rule for shims).
     */
    public void listen(ServerSocketChannel server, boolean requireSameUser) throws IOException {
        listener = server;
        if (closed) {
            server.close();
            return;
        }
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            if (requireSameUser && !PeerCredentials.sameUser(ch)) {
                ch.close();
                continue;
            }
            Thread.ofVirtual().name("ttrpc-conn").start(() -> {
                try {
                    serve(ByteStream.of(ch));
                } catch (IOException ignored) {
                    // Connection-level failures end only that connection.
                }
            });
        }
    }

    /** Stops listening and closes every open connection. */
    @Override
    public void close() {
        closed = true;
        ServerSocketChannel l = listener;
        if (l != null) {
            try {
                l.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        for (ByteStream c : connections) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }
}
