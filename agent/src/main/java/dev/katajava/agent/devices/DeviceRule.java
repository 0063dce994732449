package dev.katajava.agent.devices;

import dev.katajava.protocols.agent.LinuxDeviceCgroup;

/**
 * One {@code linux.resources.devices} entry. {@code type} is 'a' (all), 'c' or 'b'; a negative major or
 * minor is the wildcard; {@code access} holds the kernel's BPF_DEVCG_ACC_* bits.
 */
public record DeviceRule(boolean allow, char type, long major, long minor, int access) {
    public static final long ANY = -1;
    public static final int MKNOD = 1;
    public static final int READ = 2;
    public static final int WRITE = 4;
    public static final int RWM = MKNOD | READ | WRITE;

    public DeviceRule {
        if (type != 'a' && type != 'c' && type != 'b') {
            throw new IllegalArgumentException("device type '" + type + "'");
        }
    }

    /** Reads an agent-protocol rule; an empty type means all devices, as in OCI. */
    public static DeviceRule of(LinuxDeviceCgroup r, String where) throws DeviceException {
        String t = r.getType();
        if (!t.isEmpty() && !t.equals("a") && !t.equals("c") && !t.equals("b")) {
            throw new DeviceException(where + ": device type \"" + t + "\" is not a, c or b");
        }
        for (long n : new long[] {r.getMajor(), r.getMinor()}) {
            if (n > 0xFFFF_FFFFL) {
                throw new DeviceException(where + ": device number " + n + " does not fit in 32 bits");
            }
        }
        return new DeviceRule(r.getAllow(), t.isEmpty() ? 'a' : t.charAt(0), wildcard(r.getMajor()),
                wildcard(r.getMinor()), access(r.getAccess(), where));
    }

    private static long wildcard(long n) {
        return n < 0 ? ANY : n;
    }

    /** "rwm" letters to access bits; an empty string is refused, as runc refuses it. */
    static int access(String letters, String where) throws DeviceException {
        if (letters.isEmpty()) {
            throw new DeviceException(where + ": device access cannot be empty");
        }
        int bits = 0;
        for (int i = 0; i < letters.length(); i++) {
            char ch = letters.charAt(i);
            bits |= switch (ch) {
                case 'r' -> READ;
                case 'w' -> WRITE;
                case 'm' -> MKNOD;
                default -> throw new DeviceException(where + ": device access \"" + letters + "\" has '" + ch
                        + "', not one of r, w, m");
            };
        }
        return bits;
    }

    static DeviceRule allow(char type, long major, long minor, int access) {
        return new DeviceRule(true, type, major, minor, access);
    }

    @Override
    public String toString() {
        return (allow ? "allow " : "deny ") + type + " " + (major < 0 ? "*" : major) + ":" + (minor < 0 ? "*" : minor)
                + " " + ((access & READ) != 0 ? "r" : "") + ((access & WRITE) != 0 ? "w" : "")
                + ((access & MKNOD) != 0 ? "m" : "");
    }
}
