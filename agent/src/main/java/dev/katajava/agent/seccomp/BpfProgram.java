package dev.katajava.agent.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF program under construction. Jumps name absolute targets, resolved to the 8-bit relative
 * offsets the instruction format holds when the program is built; a jump that does not fit is an error, not
 * a silently wrong filter.
 */
final class BpfProgram {
    static final int LD_W_ABS = 0x20;
    static final int JEQ = 0x15;
    static final int JGT = 0x25;
    static final int JGE = 0x35;
    static final int AND = 0x54;
    static final int RET = 0x06;
    /** The kernel's limit on instructions in one filter (BPF_MAXINSNS). */
    static final int MAX_INSTRUCTIONS = 4096;

    private record Insn(int code, int jt, int jf, int k) {
    }

    private final List<Insn> insns = new ArrayList<>();

    int size() {
        return insns.size();
    }

    void load(int offset) {
        insns.add(new Insn(LD_W_ABS, 0, 0, offset));
    }

    void and(int mask) {
        insns.add(new Insn(AND, 0, 0, mask));
    }

    void ret(int value) {
        insns.add(new Insn(RET, 0, 0, value));
    }

    /** A conditional jump to absolute instruction indexes {@code ifTrue} / {@code ifFalse}. */
    void jump(int op, int k, int ifTrue, int ifFalse) {
        insns.add(new Insn(op, ifTrue, ifFalse, k));
    }

    /** The program as struct sock_filter entries: u16 code, u8 jt, u8 jf, u32 k, little endian. */
    byte[] build() throws SeccompException {
        if (insns.size() > MAX_INSTRUCTIONS) {
            throw new SeccompException("the profile compiles to " + insns.size() + " BPF instructions, over the kernel's "
                    + MAX_INSTRUCTIONS);
        }
        ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            boolean conditional = insn.code() == JEQ || insn.code() == JGT || insn.code() == JGE;
            out.putShort((short) insn.code());
            out.put(conditional ? offset(i, insn.jt()) : 0);
            out.put(conditional ? offset(i, insn.jf()) : 0);
            out.putInt(insn.k());
        }
        return out.array();
    }

    private byte offset(int at, int target) throws SeccompException {
        int relative = target - (at + 1);
        if (relative < 0 || relative > 255) {
            throw new SeccompException("a seccomp rule is too long to compile (jump of " + relative + ")");
        }
        return (byte) relative;
    }
}
