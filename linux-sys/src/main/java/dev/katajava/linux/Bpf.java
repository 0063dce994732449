package dev.katajava.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The two bpf(2) commands a cgroup program needs: load it (BPF_PROG_LOAD) and attach it to a cgroup
 * (BPF_PROG_ATTACH). The C library has no wrapper, so this goes through syscall(2).
 */
public final class Bpf {
    public static final int PROG_TYPE_CGROUP_DEVICE = 15;
    public static final int ATTACH_CGROUP_DEVICE = 6;
    /** Lets programs of descendant cgroups run too: every program on the path must allow. */
    public static final int F_ALLOW_MULTI = 2;

    private static final long SYS_BPF = 321;
    private static final int CMD_PROG_LOAD = 5;
    private static final int CMD_PROG_ATTACH = 8;
    /** Big enough for the fields used; the kernel wants everything past its own union zero, which it is. */
    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 64 * 1024;

    private Bpf() {
    }

    /**
     * Loads a program ({@code insns}: struct bpf_insn array) and returns its descriptor. When the kernel
     * refuses it, the load is repeated with the verifier's log, which then ends the exception's message.
     */
    public static int loadProgram(int type, byte[] insns, String license) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = progLoadAttr(arena, type, insns, license);
            try {
                return (int) bpf(arena, CMD_PROG_LOAD, attr, "BPF_PROG_LOAD", "");
            } catch (ErrnoException first) {
                MemorySegment log = arena.allocate(LOG_SIZE);
                attr.set(JAVA_INT, 24, 1);
                attr.set(JAVA_INT, 28, LOG_SIZE);
                attr.set(JAVA_LONG, 32, log.address());
                try {
                    return (int) bpf(arena, CMD_PROG_LOAD, attr, "BPF_PROG_LOAD", "");
                } catch (ErrnoException second) {
                    throw new ErrnoException("BPF_PROG_LOAD", second.errno(), "verifier: " + log.getString(0).strip());
                }
            }
        }
    }

    /** Attaches program {@code progFd} to the cgroup open as {@code cgroupFd}. */
    public static void attach(int progFd, int cgroupFd, int attachType, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, cgroupFd);
            attr.set(JAVA_INT, 4, progFd);
            attr.set(JAVA_INT, 8, attachType);
            attr.set(JAVA_INT, 12, flags);
            bpf(arena, CMD_PROG_ATTACH, attr, "BPF_PROG_ATTACH", "type " + attachType);
        }
    }

    private static MemorySegment progLoadAttr(Arena arena, int type, byte[] insns, String license) {
        if (insns.length == 0 || insns.length % 8 != 0) {
            throw new IllegalArgumentException("a BPF program is a whole number of 8-byte instructions");
        }
        MemorySegment code = arena.allocate(insns.length, 8);
        MemorySegment.copy(insns, 0, code, JAVA_BYTE, 0, insns.length);
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(JAVA_INT, 0, type);
        attr.set(JAVA_INT, 4, insns.length / 8);
        attr.set(JAVA_LONG, 8, code.address());
        attr.set(JAVA_LONG, 16, arena.allocateFrom(license).address());
        return attr;
    }

    private static long bpf(Arena arena, int cmd, MemorySegment attr, String name, String detail)
            throws ErrnoException {
        MemorySegment capture = Libc.captureState(arena);
        long rc = Libc.syscall(capture, SYS_BPF, cmd, attr.address(), ATTR_SIZE);
        return Libc.check(rc, capture, name, detail);
    }
}
