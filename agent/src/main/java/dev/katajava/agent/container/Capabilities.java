package dev.katajava.agent.container;

import java.util.List;
import java.util.Map;

/** Linux capability names (as OCI writes them, CAP_*) to their numbers, and sets of them to bit masks. */
final class Capabilities {
    private static final List<String> NAMES = List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
            "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
            "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
            "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
            "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
            "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");
    private static final Map<String, Integer> NUMBERS = numbers();

    private Capabilities() {
    }

    private static Map<String, Integer> numbers() {
        java.util.HashMap<String, Integer> m = new java.util.HashMap<>();
        for (int i = 0; i < NAMES.size(); i++) {
            m.put("CAP_" + NAMES.get(i), i);
        }
        return Map.copyOf(m);
    }

    static long mask(List<String> names) throws ContainerException {
        long mask = 0;
        for (String name : names) {
            Integer n = NUMBERS.get(name.toUpperCase(java.util.Locale.ROOT));
            if (n == null) {
                throw ContainerException.invalid("unknown capability \"" + name + "\"");
            }
            mask |= 1L << n;
        }
        return mask;
    }
}
