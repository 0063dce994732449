package dev.katajava.agent.training;

import dev.katajava.agent.channel.AgentChannel;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.UnixSockets;
import dev.katajava.linux.VsockSockets;
import dev.katajava.transport.FdByteStream;
import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The training's agent channel: a listening Unix socket, accepted with accept4 through VsockSockets as the
 * vsock channel does, and concurrent like it.
 */
final class UnixSocketChannel implements AgentChannel {
    private final Path path;
    private final int listenFd;

    UnixSocketChannel(Path path) throws ErrnoException {
        this.path = path;
        this.listenFd = UnixSockets.listen(path, 1);
    }

    @Override
    public ByteStream accept() throws IOException {
        return new FdByteStream(VsockSockets.accept(listenFd));
    }

    @Override
    public boolean concurrent() {
        return true;
    }

    @Override
    public String describe() {
        return "unix:" + path;
    }
}
