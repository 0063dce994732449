package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a container inherits from the host under runc when its spec leaves it unset, so that it inherits the
 * same in the VM: the host's hostname (a new UTS namespace starts as a copy of the host's), the
 * oom_score_adj of runc's shim (containerd's plus one) and containerd's rlimits, which runc's shim and runc
 * pass on, where the guest's init would otherwise give its own.
 */
final class RuncDefaults {
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");
    private static final Path OOM_SCORE_ADJ = Path.of("/proc/self/oom_score_adj");
    private static final Path LIMITS = Path.of("/proc/self/limits");
    private static final int OOM_SCORE_ADJ_MAX = 1000;
    /** /proc/self/limits names; RLIMIT_NOFILE is left out: the JVM raises its own soft limit at start. */
    private static final Map<String, String> LIMIT_NAMES = Map.ofEntries(
            Map.entry("Max cpu time", "RLIMIT_CPU"), Map.entry("Max file size", "RLIMIT_FSIZE"),
            Map.entry("Max data size", "RLIMIT_DATA"), Map.entry("Max stack size", "RLIMIT_STACK"),
            Map.entry("Max core file size", "RLIMIT_CORE"), Map.entry("Max resident set", "RLIMIT_RSS"),
            Map.entry("Max processes", "RLIMIT_NPROC"), Map.entry("Max locked memory", "RLIMIT_MEMLOCK"),
            Map.entry("Max address space", "RLIMIT_AS"), Map.entry("Max file locks", "RLIMIT_LOCKS"),
            Map.entry("Max pending signals", "RLIMIT_SIGPENDING"), Map.entry("Max msgqueue size", "RLIMIT_MSGQUEUE"),
            Map.entry("Max nice priority", "RLIMIT_NICE"), Map.entry("Max realtime priority", "RLIMIT_RTPRIO"),
            Map.entry("Max realtime timeout", "RLIMIT_RTTIME"));

    private RuncDefaults() {
    }

    /** The spec's hostname, else the host's. */
    static String hostname(JsonNode spec) throws IOException {
        String hostname = spec.path("hostname").asText("");
        return hostname.isEmpty() ? Files.readString(HOSTNAME).strip() : hostname;
    }

    /** {@code converted} with what the OCI process leaves unset filled in as runc would inherit it. */
    static Process inherit(JsonNode ociProcess, Process converted) throws IOException {
        Process.Builder b = converted.toBuilder();
        if (!ociProcess.has("oomScoreAdj")) {
            // This shim was started by containerd and has its score, as runc's shim had before adding one.
            b.setOOMScoreAdj(inheritedOomScoreAdj(Long.parseLong(Files.readString(OOM_SCORE_ADJ).strip())));
        }
        Set<String> set = new HashSet<>();
        converted.getRlimitsList().forEach(r -> set.add(r.getType()));
        inheritedRlimits(Files.readAllLines(LIMITS)).forEach((type, r) -> {
            if (!set.contains(type)) {
                b.addRlimits(r);
            }
        });
        return b.build();
    }

    static long inheritedOomScoreAdj(long containerd) {
        return Math.min(containerd + 1, OOM_SCORE_ADJ_MAX);
    }

    /** Parses /proc/self/limits into rlimits by OCI type ("unlimited" is RLIM_INFINITY, all ones). */
    static Map<String, POSIXRlimit> inheritedRlimits(List<String> procLimits) {
        Map<String, POSIXRlimit> out = new LinkedHashMap<>();
        for (String line : procLimits) {
            String[] cols = line.split("\\s{2,}", -1);
            String type = cols.length >= 3 ? LIMIT_NAMES.get(cols[0].strip()) : null;
            if (type != null) {
                out.put(type, POSIXRlimit.newBuilder().setType(type).setSoft(value(cols[1])).setHard(value(cols[2]))
                        .build());
            }
        }
        return out;
    }

    private static long value(String s) {
        return s.strip().equals("unlimited") ? -1 : Long.parseUnsignedLong(s.strip());
    }
}
