package dev.katajava.agent.devices;

import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device access a list of rules leaves a container with, worked out the way runc works it out (so a
 * container sees the same devices under both): start from "deny everything", apply the rules in order. A
 * type-'a' rule resets to "allow all" or "deny all" and forgets earlier exceptions; any other rule either
 * adds an exception to the current default (merging access with an earlier exception for the same
 * type:major:minor) or takes access away from that exact exception. Taking access away from inside a
 * wildcard exception (deny c 4:64 after allow c *:*) is refused, as the v1 device cgroup refuses it,
 * rather than silently ignored.
 */
public final class DeviceRules {
    private record Key(char type, long major, long minor) {
        // Written out: a record's own equals and hashCode are linked on first use, which costs the guest's
        // interpreted agent ~0.1 s of every cold container create (docs/benchmarks.md).
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.type == type && k.major == major && k.minor == minor;
        }

        @Override
        public int hashCode() {
            return (31 * type + Long.hashCode(major)) * 31 + Long.hashCode(minor);
        }
    }

    private boolean defaultAllow;
    private final Map<Key, Integer> exceptions = new LinkedHashMap<>();

    private DeviceRules() {
    }

    /**
     * The spec's rules followed by the runtime's own (runc's list: mknod of any node, the standard nodes,
     * ptys and /dev/net/tun). A standard node whose path the spec lists in {@code linux.devices} gets no
     * rule of its own: the spec's rules decide about it.
     */
    public static DeviceRules forContainer(List<LinuxDeviceCgroup> spec, Collection<String> specDevicePaths)
            throws DeviceException {
        DeviceRules rules = new DeviceRules();
        for (int i = 0; i < spec.size(); i++) {
            rules.apply(DeviceRule.of(spec.get(i), "linux.resources.devices[" + i + "]"));
        }
        for (RuntimeDefault d : RuntimeDefault.values()) {
            if (d.path == null || !specDevicePaths.contains(d.path)) {
                rules.apply(d.rule());
            }
        }
        return rules;
    }

    /** Exactly {@code rules}, in order, without the runtime's defaults. */
    static DeviceRules of(DeviceRule... rules) throws DeviceException {
        DeviceRules r = new DeviceRules();
        for (DeviceRule rule : rules) {
            r.apply(rule);
        }
        return r;
    }

    void apply(DeviceRule rule) throws DeviceException {
        if (rule.type() == 'a') {
            defaultAllow = rule.allow();
            exceptions.clear();
            return;
        }
        Key key = new Key(rule.type(), rule.major(), rule.minor());
        if (rule.allow() != defaultAllow) {
            exceptions.merge(key, rule.access(), (a, b) -> a | b);
            return;
        }
        for (Key wider : List.of(new Key(key.type, DeviceRule.ANY, key.minor), new Key(key.type, key.major, DeviceRule.ANY),
                new Key(key.type, DeviceRule.ANY, DeviceRule.ANY))) {
            if (!wider.equals(key) && (exceptions.getOrDefault(wider, 0) & rule.access()) != 0) {
                throw new DeviceException("device rule \"" + rule + "\" would punch a hole in the wider rule \""
                        + new DeviceRule(!defaultAllow, wider.type, wider.major, wider.minor, exceptions.get(wider))
                        + "\", which the device cgroup cannot express");
            }
        }
        Integer left = exceptions.computeIfPresent(key, (k, a) -> a & ~rule.access());
        if (left != null && left == 0) {
            exceptions.remove(key);
        }
    }

    /** What a device no exception matches gets. */
    public boolean defaultAllow() {
        return defaultAllow;
    }

    /** Every device, every access: no filter is needed at all. */
    public boolean allowsAll() {
        return defaultAllow && exceptions.isEmpty();
    }

    /** The exceptions to the default, all with the opposite verdict, so their order does not matter. */
    public List<DeviceRule> exceptions() {
        List<DeviceRule> out = new ArrayList<>();
        exceptions.forEach((k, access) -> out.add(new DeviceRule(!defaultAllow, k.type, k.major, k.minor, access)));
        return out;
    }

    /** runc's default allowed devices, in runc's order. */
    private enum RuntimeDefault {
        MKNOD_CHAR(null, 'c', DeviceRule.ANY, DeviceRule.ANY, DeviceRule.MKNOD),
        MKNOD_BLOCK(null, 'b', DeviceRule.ANY, DeviceRule.ANY, DeviceRule.MKNOD),
        NULL("/dev/null", 'c', 1, 3, DeviceRule.RWM),
        RANDOM("/dev/random", 'c', 1, 8, DeviceRule.RWM),
        FULL("/dev/full", 'c', 1, 7, DeviceRule.RWM),
        TTY("/dev/tty", 'c', 5, 0, DeviceRule.RWM),
        ZERO("/dev/zero", 'c', 1, 5, DeviceRule.RWM),
        URANDOM("/dev/urandom", 'c', 1, 9, DeviceRule.RWM),
        PTS(null, 'c', 136, DeviceRule.ANY, DeviceRule.RWM),
        PTMX(null, 'c', 5, 2, DeviceRule.RWM),
        TUN(null, 'c', 10, 200, DeviceRule.RWM);

        final String path;
        private final char type;
        private final long major;
        private final long minor;
        private final int access;

        RuntimeDefault(String path, char type, long major, long minor, int access) {
            this.path = path;
            this.type = type;
            this.major = major;
            this.minor = minor;
            this.access = access;
        }

        DeviceRule rule() {
            return DeviceRule.allow(type, major, minor, access);
        }
    }
}
