package dev.katajava.agent.container;

import java.util.Map;

/** OCI rlimit names to Linux resource numbers. */
final class Rlimits {
    private static final Map<String, Integer> RESOURCES = Map.ofEntries(
            Map.entry("RLIMIT_CPU", 0), Map.entry("RLIMIT_FSIZE", 1), Map.entry("RLIMIT_DATA", 2),
            Map.entry("RLIMIT_STACK", 3), Map.entry("RLIMIT_CORE", 4), Map.entry("RLIMIT_RSS", 5),
            Map.entry("RLIMIT_NPROC", 6), Map.entry("RLIMIT_NOFILE", 7), Map.entry("RLIMIT_MEMLOCK", 8),
            Map.entry("RLIMIT_AS", 9), Map.entry("RLIMIT_LOCKS", 10), Map.entry("RLIMIT_SIGPENDING", 11),
            Map.entry("RLIMIT_MSGQUEUE", 12), Map.entry("RLIMIT_NICE", 13), Map.entry("RLIMIT_RTPRIO", 14),
            Map.entry("RLIMIT_RTTIME", 15));

    private Rlimits() {
    }

    static int resource(String name) throws ContainerException {
        Integer r = RESOURCES.get(name);
        if (r == null) {
            throw ContainerException.invalid("unknown rlimit type \"" + name + "\"");
        }
        return r;
    }
}
