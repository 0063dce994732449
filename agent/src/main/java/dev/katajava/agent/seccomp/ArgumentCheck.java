package dev.katajava.agent.seccomp;

import dev.katajava.protocols.agent.LinuxSeccompArg;

/**
 * One 64-bit argument comparison in 32-bit BPF: the high word decides unless it is equal, then the low word
 * does. On success control falls through to the next instruction; on failure it jumps to {@code fail}.
 */
final class ArgumentCheck {
    private ArgumentCheck() {
    }

    /** Instructions {@link #emit} writes for {@code op}. */
    static int length(String op) throws SeccompException {
        return switch (op) {
            case "SCMP_CMP_EQ", "SCMP_CMP_NE" -> 4;
            case "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_MASKED_EQ" -> 5 + (
                    op.equals("SCMP_CMP_MASKED_EQ") ? 1 : 0);
            default -> throw new SeccompException("seccomp argument operator \"" + op + "\" is unknown");
        };
    }

    static void emit(BpfProgram bpf, int offset, LinuxSeccompArg arg, int fail) {
        // Arguments are little endian: the low word first.
        int lo = offset;
        int hi = offset + 4;
        long value = arg.getValue();
        int vhi = (int) (value >>> 32);
        int vlo = (int) value;
        int at = bpf.size();
        switch (arg.getOp()) {
            case "SCMP_CMP_EQ" -> {
                bpf.load(hi);
                bpf.jump(BpfProgram.JEQ, vhi, at + 2, fail);
                bpf.load(lo);
                bpf.jump(BpfProgram.JEQ, vlo, at + 4, fail);
            }
            case "SCMP_CMP_NE" -> {
                bpf.load(hi);
                bpf.jump(BpfProgram.JEQ, vhi, at + 2, at + 4);
                bpf.load(lo);
                bpf.jump(BpfProgram.JEQ, vlo, fail, at + 4);
            }
            case "SCMP_CMP_GT", "SCMP_CMP_GE" -> {
                bpf.load(hi);
                bpf.jump(BpfProgram.JGT, vhi, at + 5, at + 2);
                bpf.jump(BpfProgram.JEQ, vhi, at + 3, fail);
                bpf.load(lo);
                bpf.jump(arg.getOp().equals("SCMP_CMP_GT") ? BpfProgram.JGT : BpfProgram.JGE, vlo, at + 5, fail);
            }
            case "SCMP_CMP_LT", "SCMP_CMP_LE" -> {
                bpf.load(hi);
                bpf.jump(BpfProgram.JGT, vhi, fail, at + 2);
                bpf.jump(BpfProgram.JEQ, vhi, at + 3, at + 5);
                bpf.load(lo);
                bpf.jump(arg.getOp().equals("SCMP_CMP_LT") ? BpfProgram.JGE : BpfProgram.JGT, vlo, fail, at + 5);
            }
            case "SCMP_CMP_MASKED_EQ" -> {
                long expected = arg.getValueTwo();
                bpf.load(hi);
                bpf.and(vhi);
                bpf.jump(BpfProgram.JEQ, (int) (expected >>> 32), at + 3, fail);
                bpf.load(lo);
                bpf.and(vlo);
                bpf.jump(BpfProgram.JEQ, (int) expected, at + 6, fail);
            }
            default -> throw new IllegalArgumentException("unchecked operator " + arg.getOp());
        }
    }
}
