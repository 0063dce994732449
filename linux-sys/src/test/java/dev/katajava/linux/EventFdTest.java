package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventFdTest {
    @Test
    void writesAddUpAndAReadReturnsTheSumAndResetsIt() throws Exception {
        int fd = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        try {
            EventFd.write(fd, 3);
            EventFd.write(fd, 4);
            assertThat(EventFd.read(fd)).isEqualTo(7);
            assertThatThrownBy(() -> EventFd.read(fd))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void blockingReadWaitsForAWrite() throws Exception {
        int fd = EventFd.create(0, EventFd.EFD_CLOEXEC);
        try {
            long[] seen = new long[1];
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    seen[0] = EventFd.read(fd);
                } catch (ErrnoException e) {
                    seen[0] = -1;
                }
            });
            Thread.sleep(50);
            assertThat(reader.isAlive()).isTrue();
            EventFd.write(fd, 1);
            reader.join(5000);
            assertThat(seen[0]).isEqualTo(1);
        } finally {
            Fds.close(fd);
        }
    }
}
