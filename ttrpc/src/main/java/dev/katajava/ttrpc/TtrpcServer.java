package dev.katajava.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A ttrpc server: answers the methods of a {@link ServiceRegistry} on any number of connections. */
public final class TtrpcServer implements Closeable {
    private static final long MAX_ACCEPT_BACKOFF_MILLIS = 1000;

    private final ServiceRegistry registry;
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<ServerSocketChannel> listeners = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Each request runs on its own virtual thread. */
    public TtrpcServer(ServiceRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Serves one connection until EOF or {@link #close}, then closes it and returns. Requests are dispatched
     * concurrently; responses are written whole-frame-at-a-time in completion order.
     */
    public void serve(ByteStream connection) throws IOException {
        ServerConnection c = new ServerConnection(registry, Objects.requireNonNull(connection, "connection"));
        // Registered before the closed check, so a concurrent close() either sees it or is seen here.
        connections.add(c);
        try {
            if (closed) {
                c.close();
                return;
            }
            c.serve();
        } finally {
            connections.remove(c);
        }
    }

    /**
     * Accepts connections on a bound, blocking unix {@code server}, one virtual thread each, until this server
     * (or the channel) is closed. With {@code requireSameUser}, a peer whose SO_PEERCRED uid or gid differs
     * from this process's is closed at once, unanswered (containerd's rule for shims).
     */
    public void listen(ServerSocketChannel server, boolean requireSameUser) throws IOException {
        Objects.requireNonNull(server, "server");
        if (!server.isBlocking()) {
            throw new IllegalArgumentException("server socket channel must be in blocking mode: " + server);
        }
        listeners.add(server);
        try {
            if (closed) {
                server.close();
                return;
            }
            acceptLoop(server, requireSameUser);
        } finally {
            listeners.remove(server);
        }
    }

    private void acceptLoop(ServerSocketChannel server, boolean requireSameUser) throws IOException {
        long backoffMillis = 0;
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
                backoffMillis = 0;
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed || !server.isOpen()) {
                    return;
                }
                // Out of descriptors or an aborted handshake: transient, so keep serving, as Go ttrpc does.
                backoffMillis = Math.min(Math.max(5, backoffMillis * 2), MAX_ACCEPT_BACKOFF_MILLIS);
                if (!pause(backoffMillis)) {
                    return;
                }
                continue;
            }
            if (requireSameUser && !PeerCredentials.sameUser(ch)) {
                ch.close();
                continue;
            }
            Thread.ofVirtual().name("ttrpc-connection").start(() -> serveAccepted(ch));
        }
    }

    private void serveAccepted(SocketChannel ch) {
        try {
            serve(ByteStream.of(ch));
        } catch (IOException ignored) {
            // A failed connection ends alone; the others and the listener carry on.
        }
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops listening and closes every open connection; blocked serve and listen calls return. */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        for (ServerConnection c : connections) {
            c.close();
        }
    }
}
