package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PollTest {
    @Test
    void reportsWhichDescriptorBecameReadable() throws Exception {
        int a = EventFd.create(0, EventFd.EFD_CLOEXEC);
        int b = EventFd.create(0, EventFd.EFD_CLOEXEC);
        try {
            assertThat(Poll.waitReadable(new int[] {a, b}, 10)).isZero();
            EventFd.write(b, 1);
            assertThat(Poll.waitReadable(new int[] {a, b}, 1000)).isEqualTo(0b10);
            EventFd.write(a, 1);
            assertThat(Poll.waitReadable(new int[] {a, b}, 1000)).isEqualTo(0b11);
        } finally {
            Fds.close(a);
            Fds.close(b);
        }
    }

    @Test
    void blocksUntilAnotherThreadWrites() throws Exception {
        int a = EventFd.create(0, EventFd.EFD_CLOEXEC);
        try {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                    EventFd.write(a, 1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            assertThat(Poll.waitReadable(new int[] {a}, -1)).isEqualTo(1);
            assertThat(System.nanoTime() - start).isGreaterThan(50_000_000L);
            writer.join();
        } finally {
            Fds.close(a);
        }
    }
}
