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
