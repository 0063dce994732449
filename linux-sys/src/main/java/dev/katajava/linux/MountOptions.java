package dev.katajava.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mount(8)-style options split into mount(2) flags, the filesystem's data string and the propagation
 * change to apply afterwards (propagation cannot be set in the same call that creates a mount).
 */
public record MountOptions(long flags, String data, long propagation) {
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
            Map.entry("sync", new Flag(false, Mounts.MS_SYNCHRONOUS)),
            Map.entry("async", new Flag(true, Mounts.MS_SYNCHRONOUS)),
            Map.entry("dirsync", new Flag(false, Mounts.MS_DIRSYNC)),
            Map.entry("noatime", new Flag(false, Mounts.MS_NOATIME)),
            Map.entry("atime", new Flag(true, Mounts.MS_NOATIME)),
            Map.entry("nodiratime", new Flag(false, Mounts.MS_NODIRATIME)),
            Map.entry("diratime", new Flag(true, Mounts.MS_NODIRATIME)),
            Map.entry("relatime", new Flag(false, Mounts.MS_RELATIME)),
            Map.entry("norelatime", new Flag(true, Mounts.MS_RELATIME)),
            Map.entry("strictatime", new Flag(false, Mounts.MS_STRICTATIME)),
            Map.entry("nostrictatime", new Flag(true, Mounts.MS_STRICTATIME)),
            Map.entry("bind", new Flag(false, Mounts.MS_BIND)),
            Map.entry("rbind", new Flag(false, Mounts.MS_BIND | Mounts.MS_REC)),
            Map.entry("remount", new Flag(false, Mounts.MS_REMOUNT)),
            Map.entry("defaults", new Flag(false, 0)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", Mounts.MS_PRIVATE, "rprivate", Mounts.MS_PRIVATE | Mounts.MS_REC,
            "slave", Mounts.MS_SLAVE, "rslave", Mounts.MS_SLAVE | Mounts.MS_REC,
            "shared", Mounts.MS_SHARED, "rshared", Mounts.MS_SHARED | Mounts.MS_REC,
            "unbindable", Mounts.MS_UNBINDABLE, "runbindable", Mounts.MS_UNBINDABLE | Mounts.MS_REC);

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long propagation = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Flag f = FLAGS.get(option);
            Long p = PROPAGATION.get(option);
            if (p != null) {
                propagation = p;
            } else if (f == null) {
                data.add(option);
            } else if (f.clear()) {
                flags &= ~f.bits();
            } else {
                flags |= f.bits();
            }
        }
        return new MountOptions(flags, String.join(",", data), propagation);
    }

    public boolean isBind() {
        return (flags & Mounts.MS_BIND) != 0;
    }
}
