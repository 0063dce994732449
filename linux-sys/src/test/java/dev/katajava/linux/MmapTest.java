package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class MmapTest {
    private static final long PAGE = 4096;

    @Test
    void writesThroughOneSharedMappingAreVisibleThroughAnother() throws Exception {
        int fd = MemFd.create("guest-ram", 4 * PAGE);
        MemorySegment first = Mmap.mapShared(fd, 4 * PAGE, 0, true);
        MemorySegment second = Mmap.mapShared(fd, 2 * PAGE, 2 * PAGE, true);
        try {
            assertThat(first.byteSize()).isEqualTo(4 * PAGE);
            first.set(ValueLayout.JAVA_LONG, 2 * PAGE + 8, 0xCAFEBABEL);
            assertThat(second.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0xCAFEBABEL);
            second.set(ValueLayout.JAVA_INT, PAGE, 77);
            assertThat(first.get(ValueLayout.JAVA_INT, 3 * PAGE)).isEqualTo(77);
        } finally {
            Mmap.unmap(first);
            Mmap.unmap(second);
            Fds.close(fd);
        }
    }

    @Test
    void unalignedOffsetIsReportedAsInvalidArgument() throws Exception {
        int fd = MemFd.create("guest-ram", PAGE * 2);
        try {
            assertThatThrownBy(() -> Mmap.mapShared(fd, PAGE, 100, true))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains("mmap").contains("offset 100");
                    });
        } finally {
            Fds.close(fd);
        }
    }
}
