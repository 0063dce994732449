package dev.katajava.agent.stdio;

import dev.katajava.agent.container.ContainerProcess;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import dev.katajava.linux.UnixSockets;
import dev.katajava.transport.stdio.StdioKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The copy loops of one direct stdio stream. A pipe is copied to the socket through a native buffer, so its
 * bytes never enter the Java heap; a terminal (whose master the agent reads itself) goes through its stream.
 */
final class StreamPumps {
    private static final int CHUNK = 64 * 1024;

    private StreamPumps() {
    }

    /**
     * Copies a process's output to {@code socket} until the process and everything sharing the pipe closed
     * it, then says so and waits for the host to close: bytes still in flight are not dropped by our close.
     */
    static long output(ContainerProcess p, StdioKind kind, int socket) throws IOException {
        int pipe = p.takeFd(kind);
        long total;
        if (pipe >= 0) {
            try {
                // Read and write through one native buffer rather than splice: AF_VSOCK has no sendpage, so
                // the kernel turns a splice into one send per 4 KiB pipe page, each its own vsock packet,
                // while one large write leaves as 64 KiB packets (16 times fewer kicks and interrupts).
                total = FdCopy.copy(pipe, socket);
            } finally {
                Fds.close(pipe);
            }
        } else {
            total = copy(kind == StdioKind.STDERR ? p.stderr() : p.stdout(), socket);
        }
        UnixSockets.shutdown(socket, UnixSockets.SHUT_WR);
        awaitHostClose(socket);
        return total;
    }

    /**
     * Copies {@code socket} into the process's stdin until the host shuts its side, closes stdin (the
     * process sees end of file), then answers one byte: the host's close waits for it, so CloseIO returns
     * only once every byte is in the pipe.
     */
    static long stdin(ContainerProcess p, int socket) throws IOException {
        int pipe = p.takeFd(StdioKind.STDIN);
        long total = 0;
        try {
            total = pipe >= 0 ? FdCopy.copy(socket, pipe) : copy(socket, p.stdin());
        } catch (ErrnoException e) {
            // The process closed its stdin or is gone: what it did not take cannot be delivered any more.
        } finally {
            if (pipe >= 0) {
                Fds.close(pipe);
            }
            p.stdin().close();
        }
        StdioStreamServer.write(socket, new byte[] {0});
        return total;
    }

    private static void awaitHostClose(int socket) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            while (Fds.read(socket, buf, 64) > 0) {
                // The host sends nothing on an output stream; anything is ignored.
            }
        } catch (ErrnoException e) {
            // Reset: the host is gone either way.
        }
    }

    private static long copy(InputStream in, int socket) throws IOException {
        long total = 0;
        byte[] heap = new byte[CHUNK];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            int n;
            while ((n = in.read(heap)) >= 0) {
                MemorySegment.copy(heap, 0, buf, ValueLayout.JAVA_BYTE, 0, n);
                Fds.writeFully(socket, buf, n);
                total += n;
            }
        }
        return total;
    }

    private static long copy(int socket, OutputStream out) throws IOException {
        long total = 0;
        byte[] heap = new byte[CHUNK];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            int n;
            while ((n = Fds.read(socket, buf, CHUNK)) > 0) {
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, n);
                out.write(heap, 0, n);
                out.flush();
                total += n;
            }
        } catch (IOException e) {
            // The process's stdin is closed: stop as the pipe path does.
        }
        return total;
    }
}
