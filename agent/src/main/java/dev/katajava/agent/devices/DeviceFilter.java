package dev.katajava.agent.devices;

/**
 * Compiles resolved device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program. The kernel runs it on every
 * open and mknod of a device node in the cgroup with a struct bpf_cgroup_dev_ctx: {@code access_type} (device
 * type in the low 16 bits, access in the high 16), {@code major}, {@code minor}; returning 1 allows, 0
 * denies with EPERM.
 *
 * <p>Layout: load the four fields into registers, then one block per exception (type, then access, major
 * and minor unless wildcards; a match returns the exception's verdict), then the default verdict. The
 * access check passes when every requested bit is in the rule: an open for reading and writing needs both.
 */
public final class DeviceFilter {
    /** Programs that call no GPL-only helper may carry any licence string. */
    public static final String LICENSE = "Apache-2.0";
    static final int DEV_BLOCK = 1;
    static final int DEV_CHAR = 2;

    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int TYPE = 2;
    private static final int ACCESS = 3;
    private static final int MAJOR = 4;
    private static final int MINOR = 5;

    private DeviceFilter() {
    }

    public static byte[] compile(DeviceRules rules) throws DeviceException {
        EbpfProgram p = new EbpfProgram();
        p.loadWord(TYPE, R1, 0);
        p.and(TYPE, 0xFFFF);
        p.loadWord(ACCESS, R1, 0);
        p.rightShift(ACCESS, 16);
        p.loadWord(MAJOR, R1, 4);
        p.loadWord(MINOR, R1, 8);
        int block = 0;
        for (DeviceRule rule : rules.exceptions()) {
            String next = "block-" + ++block;
            p.jumpIfNotEqual(TYPE, rule.type() == 'b' ? DEV_BLOCK : DEV_CHAR, next);
            if (rule.access() != DeviceRule.RWM) {
                // R1 (the context) is no longer needed: it holds requested & allowed.
                p.moveRegister(R1, ACCESS);
                p.and(R1, rule.access());
                p.jumpIfNotEqualRegister(R1, ACCESS, next);
            }
            if (rule.major() >= 0) {
                p.jumpIfNotEqual(MAJOR, (int) rule.major(), next);
            }
            if (rule.minor() >= 0) {
                p.jumpIfNotEqual(MINOR, (int) rule.minor(), next);
            }
            p.move(R0, rule.allow() ? 1 : 0);
            p.exit();
            p.label(next);
        }
        p.move(R0, rules.defaultAllow() ? 1 : 0);
        p.exit();
        return p.build();
    }
}
