package dev.katajava.agent.seccomp;

/** OCI seccomp action names as the kernel's SECCOMP_RET_* values. */
final class SeccompAction {
    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_KILL_THREAD = 0x00000000;
    static final int RET_TRAP = 0x00030000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_TRACE = 0x7ff00000;
    static final int RET_LOG = 0x7ffc0000;
    static final int RET_ALLOW = 0x7fff0000;
    private static final int EPERM = 1;

    private SeccompAction() {
    }

    /** The return value for {@code action}; {@code errno} is used by ERRNO and TRACE (EPERM when absent). */
    static int of(String action, Integer errno, String where) throws SeccompException {
        int data = errno == null ? EPERM : errno;
        if (data < 0 || data > 0xffff) {
            throw new SeccompException(where + ": errnoRet " + Integer.toUnsignedString(data) + " is out of range");
        }
        return switch (action) {
            case "SCMP_ACT_ALLOW" -> RET_ALLOW;
            case "SCMP_ACT_ERRNO" -> RET_ERRNO | data;
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> RET_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> RET_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> RET_TRAP;
            case "SCMP_ACT_TRACE" -> RET_TRACE | data;
            case "SCMP_ACT_LOG" -> RET_LOG;
            case "SCMP_ACT_NOTIFY" -> throw new SeccompException(where
                    + ": SCMP_ACT_NOTIFY needs a listener, which this runtime does not provide");
            default -> throw new SeccompException(where + ": unknown action \"" + action + "\"");
        };
    }

    /** True for actions that let the call run. */
    static boolean permits(int ret) {
        return ret == RET_ALLOW || ret == RET_LOG || (ret & 0xffff0000) == RET_TRACE;
    }
}
