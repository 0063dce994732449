package dev.katajava.virtcontainers.rootfs;

import dev.katajava.linux.Mounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** mount(8)-style options split into mount(2) flags and the filesystem's data string. */
public record MountOptions(long flags, String data) {
    /** Maximum data string mount(2) accepts: one page, including the terminating NUL. */
    public static final int MAX_DATA = 4095;

    private record Flag(boolean clear, long bits) {
    }

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("ro", new Flag(false, Mounts.MS_RDONLY)),
            Map.entry("rw", new Flag(true, Mounts.MS_RDONLY)),
            Map.entry("nosuid", new Flag(false, Mounts.MS_NOSUID)),
            Map.entry("suid", new Flag(true, Mounts.MS_NOSUID)),
            Map.entry("nodev", new Flag(false, Mounts.MS_NODEV)),
            Map.entry("dev", new Flag(true, Mounts.MS_NODEV)),
            Map.entry("noexec", new Flag(false, Mounts.MS_NOEXEC)),
            Map.entry("exec", new Flag(true, Mounts.MS_NOEXEC)),
            Map.entry("bind", new Flag(false, Mounts.MS_BIND)),
            Map.entry("rbind", new Flag(false, Mounts.MS_BIND | Mounts.MS_REC)),
            Map.entry("remount", new Flag(false, Mounts.MS_REMOUNT)),
            Map.entry("defaults", new Flag(false, 0)));

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Flag f = FLAGS.get(option);
            if (f == null) {
                data.add(option);
            } else if (f.clear()) {
                flags &= ~f.bits();
            } else {
                flags |= f.bits();
            }
        }
        return new MountOptions(flags, String.join(",", data));
    }

    public boolean isBind() {
        return (flags & Mounts.MS_BIND) != 0;
    }
}
