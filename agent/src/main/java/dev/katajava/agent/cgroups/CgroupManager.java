package dev.katajava.agent.cgroups;

import dev.katajava.protocols.agent.CgroupStats;
import dev.katajava.protocols.agent.LinuxResources;
import java.io.IOException;
import java.util.List;

/** One container's cgroup, in the shape of runc's cgroup manager. */
public interface CgroupManager {
    /** Creates the cgroup (if needed) and moves {@code pid} into it. */
    void apply(long pid) throws IOException;

    /** Writes the limits {@code resources} sets; fields left at zero are not touched. */
    void set(LinuxResources resources) throws IOException;

    CgroupStats stats() throws IOException;

    List<Long> pids() throws IOException;

    /** Freezes ({@code true}) or thaws the cgroup, returning once the kernel reports the new state. */
    void freeze(boolean frozen) throws IOException;

    /** Whether the cgroup has been asked to be frozen (paused). */
    boolean frozen() throws IOException;

    /** How many processes the kernel's OOM killer has killed in this cgroup so far. */
    long oomKills() throws IOException;

    /** Removes the cgroup; its processes must be gone. */
    void destroy();
}
