package dev.katajava.shim.io;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.transport.stdio.StreamCopy;
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
    /** A blocking descriptor on the same target, for copies that bypass the JVM (splice into the FIFO). */
    private final int writeFd;

    private OutputSink(FileChannel channel, int queryFd, int writeFd) {
        this.channel = channel;
        this.queryFd = queryFd;
        this.writeFd = writeFd;
    }

    /** Opens {@code target} (a FIFO path or {@code file://} URI); empty means the stream is not wanted. */
    public static OutputSink open(String target) throws IOException {
        if (target.isEmpty()) {
            return null;
        }
        if (target.startsWith("file://")) {
            Path file = Path.of(URI.create(target).getPath());
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            try {
                return new OutputSink(channel, -1,
                        Fds.open(file.toString(), Fds.O_WRONLY | Fds.O_APPEND | Fds.O_CLOEXEC, 0));
            } catch (ErrnoException e) {
                channel.close();
                throw e;
            }
        }
        if (target.startsWith("binary://")) {
            throw new IOException("binary:// log URIs are handled by BinaryLogger, not as a sink: " + target);
        }
        Path fifo = Path.of(target.startsWith("fifo://") ? target.substring("fifo://".length()) : target);
        if (!fifo.isAbsolute()) {
            throw new IOException("stdio path must be absolute: " + target);
        }
        FileChannel channel = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int fd = -1;
        try {
            fd = Fds.open(fifo.toString(), Fds.O_RDWR | Fds.O_NONBLOCK | Fds.O_CLOEXEC, 0);
            return new OutputSink(channel, fd, Fds.open(fifo.toString(), Fds.O_RDWR | Fds.O_CLOEXEC, 0));
        } catch (ErrnoException e) {
            channel.close();
            if (fd >= 0) {
                Fds.close(fd);
            }
            throw e;
        }
    }

    /**
     * Copies {@code socket} into the target until end of stream without the bytes entering the JVM: spliced
     * into a FIFO, read and written through a native buffer into a file. Returns the byte count.
     */
    public long transferFrom(int socket) throws ErrnoException {
        return StreamCopy.copy(socket, writeFd);
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
        try {
            Fds.close(writeFd);
        } finally {
            channel.close();
        }
    }
}
