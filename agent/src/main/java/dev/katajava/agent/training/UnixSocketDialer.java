package dev.katajava.agent.training;

import dev.katajava.linux.UnixSockets;
import dev.katajava.transport.stdio.GuestPortDialer;
import java.io.IOException;
import java.nio.file.Path;

/** The training's way to the agent's stdio stream server: one Unix socket, whatever the port. */
final class UnixSocketDialer implements GuestPortDialer {
    private final Path socket;

    UnixSocketDialer(Path socket) {
        this.socket = socket;
    }

    @Override
    public int connect(int port) throws IOException {
        return UnixSockets.connect(socket);
    }

    @Override
    public String describe() {
        return "unix:" + socket;
    }
}
