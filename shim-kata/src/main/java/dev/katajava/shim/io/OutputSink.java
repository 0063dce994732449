package dev.katajava.shim.io;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where one output stream of a process goes: the client's FIFO, or a file for {@code file://} log URIs.
 *
 * <p>A FIFO is opened read-write, as Kata does, so opening never blocks and a client that went away never
 * turns writes into EPIPE. Because the shim then holds a read end too, the client sees end-of-stream only
 * when the shim closes; {@link #close} therefore first waits until the client has read everything that is
 * still in the pipe, so output written just before exit is not lost when the client closes its end early.
 */
public final class OutputSink implements Closeable {
    private static final long DRAIN_CAP_MS = 2_000;

    private final FileChannel channel;
    private final int queryFd;

    private OutputSink(FileChannel channel, int queryFd) {
        this.channel = channel;
        this.queryFd = queryFd;
    }

    /** Opens {@code target} (a FIFO path or {@code file://} URI); empty means the stream is not wanted. */
    public static OutputSink open(String target) throws IOException {
        if (target.isEmpty()) {
            return null;
        }
        if (target.startsWith("file://")) {
            Path file = Path.of(URI.create(target).getPath());
            Files.createDirectories(file.getParent());
            return new OutputSink(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND), -1);
        }
        if (target.startsWith("binary://")) {
            throw new IOException("binary:// log URIs are handled by BinaryLogger, not as a sink: " + target);
        }
        Path fifo = Path.of(target.startsWith("fifo://") ? target.substring("fifo://".length()) : target);
        if (!fifo.isAbsolute()) {
            throw new IOException("stdio path must be absolute: " + target);
        }
        FileChannel channel = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int fd;
        try {
            fd = Fds.open(fifo.toString(), Fds.O_RDWR | Fds.O_NONBLOCK | Fds.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            channel.close();
            throw e;
        }
        return new OutputSink(channel, fd);
    }

    public void write(ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            channel.write(data);
        }
    }

    /** Waits (bounded) until the reader has taken everything from the pipe, then closes. */
    @Override
    public void close() throws IOException {
        if (queryFd >= 0) {
            long deadline = System.currentTimeMillis() + DRAIN_CAP_MS;
            try {
                while (Fds.bytesQueued(queryFd) > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(2);
                }
            } catch (ErrnoException e) {
                // Nothing more to learn about the pipe; close it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                Fds.close(queryFd);
            }
        }
        channel.close();
    }
}
