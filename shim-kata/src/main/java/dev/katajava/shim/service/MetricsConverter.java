package dev.katajava.shim.service;

import com.google.protobuf.Any;
import dev.katajava.protocols.agent.CgroupStats;
import dev.katajava.protocols.cgroups.v2.CPUStat;
import dev.katajava.protocols.cgroups.v2.MemoryStat;
import dev.katajava.protocols.cgroups.v2.Metrics;
import dev.katajava.protocols.cgroups.v2.PidsStat;
import java.util.Map;

/** The agent's cgroup statistics as containerd's cgroup v2 Metrics, which `ctr task metrics` prints. */
final class MetricsConverter {
    static final String TYPE_URL = "io.containerd.cgroups.v2.Metrics";

    private MetricsConverter() {
    }

    static Any toAny(CgroupStats s) {
        return Any.newBuilder().setTypeUrl(TYPE_URL).setValue(toMetrics(s).toByteString()).build();
    }

    static Metrics toMetrics(CgroupStats s) {
        var cpu = s.getCpuStats();
        var mem = s.getMemoryStats();
        Map<String, Long> m = mem.getStatsMap();
        return Metrics.newBuilder()
                .setPids(PidsStat.newBuilder().setCurrent(s.getPidsStats().getCurrent())
                        .setLimit(s.getPidsStats().getLimit()))
                .setCpu(CPUStat.newBuilder()
                        .setUsageUsec(cpu.getCpuUsage().getTotalUsage() / 1000)
                        .setUserUsec(cpu.getCpuUsage().getUsageInUsermode() / 1000)
                        .setSystemUsec(cpu.getCpuUsage().getUsageInKernelmode() / 1000)
                        .setNrPeriods(cpu.getThrottlingData().getPeriods())
                        .setNrThrottled(cpu.getThrottlingData().getThrottledPeriods())
                        .setThrottledUsec(cpu.getThrottlingData().getThrottledTime() / 1000))
                .setMemory(MemoryStat.newBuilder()
                        .setUsage(mem.getUsage().getUsage())
                        .setUsageLimit(mem.getUsage().getLimit())
                        .setSwapUsage(mem.getSwapUsage().getUsage())
                        .setSwapLimit(mem.getSwapUsage().getLimit())
                        .setAnon(m.getOrDefault("anon", 0L))
                        .setFile(m.getOrDefault("file", 0L))
                        .setKernelStack(m.getOrDefault("kernel_stack", 0L))
                        .setSlab(m.getOrDefault("slab", 0L))
                        .setSock(m.getOrDefault("sock", 0L))
                        .setShmem(m.getOrDefault("shmem", 0L))
                        .setFileMapped(m.getOrDefault("file_mapped", 0L))
                        .setFileDirty(m.getOrDefault("file_dirty", 0L))
                        .setFileWriteback(m.getOrDefault("file_writeback", 0L))
                        .setAnonThp(m.getOrDefault("anon_thp", 0L))
                        .setInactiveAnon(m.getOrDefault("inactive_anon", 0L))
                        .setActiveAnon(m.getOrDefault("active_anon", 0L))
                        .setInactiveFile(m.getOrDefault("inactive_file", 0L))
                        .setActiveFile(m.getOrDefault("active_file", 0L))
                        .setUnevictable(m.getOrDefault("unevictable", 0L))
                        .setSlabReclaimable(m.getOrDefault("slab_reclaimable", 0L))
                        .setSlabUnreclaimable(m.getOrDefault("slab_unreclaimable", 0L))
                        .setPgfault(m.getOrDefault("pgfault", 0L))
                        .setPgmajfault(m.getOrDefault("pgmajfault", 0L)))
                .build();
    }
}
