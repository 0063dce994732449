package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void overlayOptionsBecomeTheDataString() {
        MountOptions o = MountOptions.parse(List.of("index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"));
        assertThat(o.flags()).isZero();
        assertThat(o.data()).isEqualTo("index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2");
    }

    @Test
    void flagWordsSetAndClearBits() {
        MountOptions o = MountOptions.parse(List.of("rbind", "ro", "nosuid", "rw", "nodev"));
        assertThat(o.flags()).isEqualTo(Mounts.MS_BIND | Mounts.MS_REC | Mounts.MS_NOSUID | Mounts.MS_NODEV);
        assertThat(o.isBind()).isTrue();
        assertThat(o.data()).isEmpty();
    }

    @Test
    void atimeAndPropagationWordsAreNotPassedAsData() {
        MountOptions o = MountOptions.parse(List.of("nosuid", "strictatime", "mode=755", "size=65536k", "rprivate"));
        assertThat(o.flags()).isEqualTo(Mounts.MS_NOSUID | Mounts.MS_STRICTATIME);
        assertThat(o.data()).isEqualTo("mode=755,size=65536k");
        assertThat(o.propagation()).isEqualTo(Mounts.MS_PRIVATE | Mounts.MS_REC);
    }
}
