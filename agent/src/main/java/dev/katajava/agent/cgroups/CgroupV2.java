package dev.katajava.agent.cgroups;

import dev.katajava.protocols.agent.CgroupStats;
import dev.katajava.protocols.agent.CpuStats;
import dev.katajava.protocols.agent.CpuUsage;
import dev.katajava.protocols.agent.LinuxCPU;
import dev.katajava.protocols.agent.LinuxMemory;
import dev.katajava.protocols.agent.LinuxResources;
import dev.katajava.protocols.agent.MemoryData;
import dev.katajava.protocols.agent.MemoryStats;
import dev.katajava.protocols.agent.PidsStats;
import dev.katajava.protocols.agent.ThrottlingData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cgroup in the unified (v2) hierarchy. Controllers are enabled down the path on creation, because v2
 * only offers a child the controllers its parent delegates in cgroup.subtree_control.
 */
public final class CgroupV2 implements CgroupManager {
    private static final String CONTROLLERS = "+cpu +cpuset +memory +pids +io";
    private static final long FREEZE_WAIT_MS = 5_000;

    private final Path root;
    private final Path dir;

    /**
     * @param root       the v2 mount (normally /sys/fs/cgroup)
     * @param cgroupPath the spec's cgroupsPath; made relative to {@code root}, never leaving it
     */
    public CgroupV2(Path root, String cgroupPath) throws IOException {
        this.root = root;
        Path rel = Path.of(cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath).normalize();
        if (rel.toString().isEmpty() || rel.startsWith("..")) {
            throw new IOException("invalid cgroups path \"" + cgroupPath + "\"");
        }
        this.dir = root.resolve(rel);
    }

    public Path dir() {
        return dir;
    }

    /**
     * Makes the group (and its parents, with the controllers enabled on the way) without moving anything in,
     * so a process can join it itself: a container's init joins before it makes its cgroup namespace.
     */
    public void create() throws IOException {
        Path parent = root;
        for (Path part : root.relativize(dir)) {
            enableControllers(parent);
            parent = parent.resolve(part);
            if (!Files.isDirectory(parent)) {
                Files.createDirectory(parent);
            }
        }
    }

    @Override
    public void apply(long pid) throws IOException {
        create();
        write("cgroup.procs", Long.toString(pid));
    }

    private static void enableControllers(Path cgroup) throws IOException {
        Path available = cgroup.resolve("cgroup.controllers");
        if (!Files.exists(available)) {
            return;
        }
        StringBuilder wanted = new StringBuilder();
        List<String> have = List.of(Files.readString(available).strip().split(" ", -1));
        for (String c : CONTROLLERS.split(" ", -1)) {
            if (have.contains(c.substring(1))) {
                wanted.append(c).append(' ');
            }
        }
        if (!wanted.isEmpty()) {
            Files.writeString(cgroup.resolve("cgroup.subtree_control"), wanted.toString().strip());
        }
    }

    @Override
    public void set(LinuxResources r) throws IOException {
        if (r.hasMemory()) {
            LinuxMemory m = r.getMemory();
            if (m.getLimit() != 0) {
                write("memory.max", limit(m.getLimit()));
            }
            if (m.getReservation() != 0) {
                write("memory.low", limit(m.getReservation()));
            }
            if (m.getSwap() != 0) {
                // OCI's swap is memory+swap; v2 limits swap alone.
                long swap = m.getSwap() < 0 ? -1 : Math.max(0, m.getSwap() - Math.max(0, m.getLimit()));
                write("memory.swap.max", limit(swap));
            }
        }
        if (r.hasCPU()) {
            LinuxCPU c = r.getCPU();
            if (c.getShares() != 0) {
                write("cpu.weight", Long.toString(sharesToWeight(c.getShares())));
            }
            if (c.getQuota() != 0 || c.getPeriod() != 0) {
                String quota = c.getQuota() > 0 ? Long.toString(c.getQuota()) : "max";
                write("cpu.max", quota + " " + (c.getPeriod() != 0 ? c.getPeriod() : 100_000));
            }
            if (!c.getCpus().isEmpty()) {
                write("cpuset.cpus", c.getCpus());
            }
            if (!c.getMems().isEmpty()) {
                write("cpuset.mems", c.getMems());
            }
        }
        if (r.hasPids() && r.getPids().getLimit() != 0) {
            write("pids.max", limit(r.getPids().getLimit()));
        }
    }

    /** The conversion runc and the kernel documentation use: shares 2..262144 onto weight 1..10000. */
    static long sharesToWeight(long shares) {
        long s = Math.max(2, Math.min(262_144, shares));
        return 1 + ((s - 2) * 9_999) / 262_142;
    }

    private static String limit(long value) {
        return value < 0 ? "max" : Long.toString(value);
    }

    @Override
    public CgroupStats stats() throws IOException {
        Map<String, Long> cpu = keyed("cpu.stat");
        Map<String, Long> mem = keyed("memory.stat");
        CgroupStats.Builder b = CgroupStats.newBuilder()
                .setCpuStats(CpuStats.newBuilder()
                        .setCpuUsage(CpuUsage.newBuilder()
                                .setTotalUsage(cpu.getOrDefault("usage_usec", 0L) * 1000)
                                .setUsageInUsermode(cpu.getOrDefault("user_usec", 0L) * 1000)
                                .setUsageInKernelmode(cpu.getOrDefault("system_usec", 0L) * 1000))
                        .setThrottlingData(ThrottlingData.newBuilder()
                                .setPeriods(cpu.getOrDefault("nr_periods", 0L))
                                .setThrottledPeriods(cpu.getOrDefault("nr_throttled", 0L))
                                .setThrottledTime(cpu.getOrDefault("throttled_usec", 0L) * 1000)))
                .setMemoryStats(MemoryStats.newBuilder()
                        .setCache(mem.getOrDefault("file", 0L))
                        .setUsage(MemoryData.newBuilder().setUsage(single("memory.current"))
                                .setLimit(single("memory.max")).setMaxUsage(single("memory.peak")))
                        .setSwapUsage(MemoryData.newBuilder().setUsage(single("memory.swap.current"))
                                .setLimit(single("memory.swap.max")))
                        .putAllStats(mem))
                .setPidsStats(PidsStats.newBuilder().setCurrent(single("pids.current")).setLimit(single("pids.max")));
        return b.build();
    }

    @Override
    public List<Long> pids() throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    @Override
    public void freeze(boolean frozen) throws IOException {
        write("cgroup.freeze", frozen ? "1" : "0");
        String want = "frozen " + (frozen ? 1 : 0);
        long deadline = System.currentTimeMillis() + FREEZE_WAIT_MS;
        while (!Files.readAllLines(dir.resolve("cgroup.events")).contains(want)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("cgroup " + dir + " did not reach \"" + want + "\" within " + FREEZE_WAIT_MS + " ms");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while freezing " + dir, e);
            }
        }
    }

    @Override
    public boolean frozen() throws IOException {
        return Files.readString(dir.resolve("cgroup.freeze"), StandardCharsets.US_ASCII).strip().equals("1");
    }

    @Override
    public long oomKills() throws IOException {
        return keyed("memory.events").getOrDefault("oom_kill", 0L);
    }

    @Override
    public void destroy() {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // Still populated (a process survived): the VM's end removes it.
        }
    }

    private void write(String file, String value) throws IOException {
        try {
            Files.writeString(dir.resolve(file), value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("write \"" + value + "\" to " + dir.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    /** A single-value file; "max" and missing files read as 0 (no limit / not available). */
    private long single(String file) {
        try {
            String v = Files.readString(dir.resolve(file)).strip();
            return v.equals("max") ? 0 : Long.parseLong(v);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private Map<String, Long> keyed(String file) {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve(file))) {
                String[] kv = line.split(" ", -1);
                if (kv.length == 2) {
                    try {
                        out.put(kv[0], Long.parseLong(kv[1]));
                    } catch (NumberFormatException ignored) {
                        // Non-numeric entries are not statistics.
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
