package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DowncallTest {
    private static final Downcall CLOSE = Downcall.errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final Downcall WRITE = Downcall.errno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall READ = Downcall.errno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall STRLEN = Downcall.errno("strlen", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final Downcall ABS = Downcall.errno("abs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final Downcall MEMCHR = Downcall.errno("memchr",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));

    @Test
    void aFailingIntFunctionReturnsMinusOneWithItsErrno() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            assertEquals(-1L, CLOSE.call(capture, -1));
            assertEquals(Errno.EBADF, Libc.errno(capture));
        }
    }

    @Test
    void anIntResultIsSignExtendedFromItsLowHalf() {
        try (Arena arena = Arena.ofConfined()) {
            // abs(INT_MIN) is INT_MIN: a negative int in eax, whatever the upper half of rax holds.
            assertEquals((long) Integer.MIN_VALUE, ABS.call(Libc.captureState(arena), Integer.MIN_VALUE));
            assertEquals(7L, ABS.call(Libc.captureState(arena), -7));
        }
    }

    @Test
    void pointersAndLongsReachTheFunction() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom("sixteen chars...");
            assertEquals(16L, STRLEN.call(Libc.captureState(arena), text));
            long found = MEMCHR.call(Libc.captureState(arena), text, (int) 'c', 16L);
            assertEquals(text.address() + 8, found);
            assertEquals(0L, MEMCHR.call(Libc.captureState(arena), text, (int) 'z', 16L));
        }
    }

    @Test
    void aWriteCarriesItsBytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out");
        int fd = Fds.open(file.toString(), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_CLOEXEC, 0600);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, "hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals(5L, WRITE.call(Libc.captureState(arena), fd, buf, 5L));
        } finally {
            Fds.close(fd);
        }
        assertEquals("hello", Files.readString(file));
    }

    @Test
    void aBufferInUseByABlockedCallCannotBeFreedUnderIt(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("s");
        int listenFd = UnixSockets.listen(socket, 1);
        int client = UnixSockets.connect(socket);
        int server = UnixSockets.accept(listenFd);
        long[] got = new long[1];
        try (Arena shared = Arena.ofShared()) {
            MemorySegment buf = shared.allocate(8);
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Arena local = Arena.ofConfined()) {
                    got[0] = READ.call(Libc.captureState(local), server, buf, 8L);
                }
            });
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!inDowncall(reader) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // Still there a moment later: it is blocked in read(2), nothing having been written yet.
            Thread.sleep(200);
            assertTrue(inDowncall(reader), "the reader never reached read(2)");
            assertThrows(IllegalStateException.class, shared::close);
            try (Arena arena = Arena.ofConfined()) {
                Fds.writeFully(client, arena.allocateFrom("hi"), 2);
            }
            reader.join(10_000);
            assertEquals(2L, got[0]);
            assertEquals("hi", buf.getString(0));
        } finally {
            Fds.close(client);
            Fds.close(server);
            Fds.close(listenFd);
        }
    }

    /** Whether {@code t} is in {@link Downcall#call} (the linker's own frames are hidden from stack traces). */
    private static boolean inDowncall(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(Downcall.class.getName()) && e.getMethodName().equals("call")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void argumentsThatDoNotMatchTheSignatureAreRefusedByName() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            var count = assertThrows(IllegalArgumentException.class, () -> WRITE.call(capture, 1));
            assertTrue(count.getMessage().contains("write takes 3 arguments, not 1"), count.getMessage());
            var kind = assertThrows(IllegalArgumentException.class, () -> WRITE.call(capture, 1, arena.allocate(1), 1));
            assertTrue(kind.getMessage().contains("write: argument 2 must be a long, not Integer"), kind.getMessage());
            var heap = assertThrows(IllegalArgumentException.class,
                    () -> WRITE.call(capture, 1, MemorySegment.ofArray(new byte[1]), 1L));
            assertTrue(heap.getMessage().contains("argument 1 must be a native segment"), heap.getMessage());
        }
    }

    @Test
    void signaturesTheSharedShapeCannotCarryAreRefused() {
        var floating = assertThrows(IllegalArgumentException.class,
                () -> Downcall.errno("sqrt", FunctionDescriptor.of(JAVA_DOUBLE, JAVA_DOUBLE)));
        assertTrue(floating.getMessage().startsWith("sqrt: only int, long and pointer"), floating.getMessage());
        var many = assertThrows(IllegalArgumentException.class, () -> Downcall.errno("f",
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)));
        assertTrue(many.getMessage().contains("more than 6 arguments"), many.getMessage());
    }
}
