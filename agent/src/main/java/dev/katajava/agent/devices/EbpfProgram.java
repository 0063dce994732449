package dev.katajava.agent.devices;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An eBPF program under construction, limited to what a device filter needs: 32-bit loads from the
 * context, 32-bit ALU, 32-bit "jump if not equal" and exit. Jumps name labels, resolved to the signed 16-bit
 * offsets of struct bpf_insn when the program is built. 32-bit comparisons keep device numbers of 2^31 and
 * over exact (a 64-bit compare would sign-extend the immediate).
 */
final class EbpfProgram {
    static final int LDX_MEM_W = 0x61;
    static final int ALU32_AND_K = 0x54;
    static final int ALU32_RSH_K = 0x74;
    static final int ALU32_MOV_K = 0xb4;
    static final int ALU32_MOV_X = 0xbc;
    static final int JMP32_JNE_K = 0x56;
    static final int JMP32_JNE_X = 0x5e;
    static final int EXIT = 0x95;
    /** The verifier's limit for a program loaded by root is far larger; this keeps a bad spec from looking fine. */
    static final int MAX_INSTRUCTIONS = 65_536;

    private record Insn(int code, int dst, int src, int off, int imm, String target) {
    }

    private final List<Insn> insns = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    int size() {
        return insns.size();
    }

    /** {@code dst = *(u32 *)(src + off)} */
    void loadWord(int dst, int src, int off) {
        insns.add(new Insn(LDX_MEM_W, dst, src, off, 0, null));
    }

    void and(int dst, int imm) {
        insns.add(new Insn(ALU32_AND_K, dst, 0, 0, imm, null));
    }

    void rightShift(int dst, int imm) {
        insns.add(new Insn(ALU32_RSH_K, dst, 0, 0, imm, null));
    }

    void move(int dst, int imm) {
        insns.add(new Insn(ALU32_MOV_K, dst, 0, 0, imm, null));
    }

    void moveRegister(int dst, int src) {
        insns.add(new Insn(ALU32_MOV_X, dst, src, 0, 0, null));
    }

    /** {@code if (dst != imm) goto label}, compared as 32-bit values. */
    void jumpIfNotEqual(int dst, int imm, String label) {
        insns.add(new Insn(JMP32_JNE_K, dst, 0, 0, imm, label));
    }

    void jumpIfNotEqualRegister(int dst, int src, String label) {
        insns.add(new Insn(JMP32_JNE_X, dst, src, 0, 0, label));
    }

    void exit() {
        insns.add(new Insn(EXIT, 0, 0, 0, 0, null));
    }

    /** Names the next instruction to be added. */
    void label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalStateException("label " + name + " placed twice");
        }
    }

    /** The program as struct bpf_insn entries: u8 code, u8 dst:4|src:4, s16 off, s32 imm, little endian. */
    byte[] build() throws DeviceException {
        if (insns.size() > MAX_INSTRUCTIONS) {
            throw new DeviceException("the device rules compile to " + insns.size() + " instructions, over "
                    + MAX_INSTRUCTIONS);
        }
        ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            int off = insn.off();
            if (insn.target() != null) {
                Integer at = labels.get(insn.target());
                if (at == null) {
                    throw new IllegalStateException("jump to unplaced label " + insn.target());
                }
                off = at - (i + 1);
            }
            out.put((byte) insn.code());
            out.put((byte) ((insn.src() << 4) | insn.dst()));
            out.putShort((short) off);
            out.putInt(insn.imm());
        }
        return out.array();
    }
}
