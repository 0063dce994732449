package dev.katajava.agent.devices;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a device filter over one struct bpf_cgroup_dev_ctx as the kernel would, for the instructions the
 * compiler emits. It also refuses what the verifier would: reading a register never written, a jump out of
 * the program, a backward jump (a loop), returning with R0 unset and touching memory beyond the context.
 */
final class EbpfInterpreter {
    private static final int CTX_SIZE = 12;

    private EbpfInterpreter() {
    }

    /** The program's verdict: true when it allows {@code access} (DeviceRule bits) on the device. */
    static boolean allows(byte[] program, char type, int major, int minor, int access) {
        int devType = type == 'b' ? DeviceFilter.DEV_BLOCK : DeviceFilter.DEV_CHAR;
        ByteBuffer ctx = ByteBuffer.allocate(CTX_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        ctx.putInt(0, (access << 16) | devType).putInt(4, major).putInt(8, minor);
        long r0 = run(program, ctx);
        if (r0 != 0 && r0 != 1) {
            throw new AssertionError("the program returned " + r0 + ", not 0 or 1");
        }
        return r0 == 1;
    }

    private static long run(byte[] program, ByteBuffer ctx) {
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int count = program.length / 8;
        long[] reg = new long[11];
        boolean[] set = new boolean[11];
        set[1] = true; // R1 points at the context; modelled as address 0 of ctx.
        boolean r1IsCtx = true;
        for (int pc = 0; pc < count; pc++) {
            int op = code.get(pc * 8) & 0xff;
            int regs = code.get(pc * 8 + 1) & 0xff;
            int dst = regs & 0xf;
            int src = regs >> 4;
            short off = code.getShort(pc * 8 + 2);
            int imm = code.getInt(pc * 8 + 4);
            switch (op) {
                case EbpfProgram.LDX_MEM_W -> {
                    if (src != 1 || !r1IsCtx || off < 0 || off + 4 > CTX_SIZE || off % 4 != 0) {
                        throw new AssertionError("bad context load at " + pc);
                    }
                    reg[dst] = ctx.getInt(off) & 0xFFFF_FFFFL;
                }
                case EbpfProgram.ALU32_AND_K -> reg[dst] = read(reg, set, dst, pc) & imm & 0xFFFF_FFFFL;
                case EbpfProgram.ALU32_RSH_K -> reg[dst] = (read(reg, set, dst, pc) & 0xFFFF_FFFFL) >>> imm;
                case EbpfProgram.ALU32_MOV_K -> reg[dst] = imm & 0xFFFF_FFFFL;
                case EbpfProgram.ALU32_MOV_X -> reg[dst] = read(reg, set, src, pc) & 0xFFFF_FFFFL;
                case EbpfProgram.JMP32_JNE_K, EbpfProgram.JMP32_JNE_X -> {
                    int a = (int) read(reg, set, dst, pc);
                    int b = op == EbpfProgram.JMP32_JNE_K ? imm : (int) read(reg, set, src, pc);
                    if (off < 0 || pc + 1 + off >= count) {
                        throw new AssertionError("jump at " + pc + " by " + off + " leaves the program or loops");
                    }
                    if (a != b) {
                        pc += off;
                    }
                    continue;
                }
                case EbpfProgram.EXIT -> {
                    return read(reg, set, 0, pc);
                }
                default -> throw new AssertionError("unexpected eBPF opcode 0x" + Integer.toHexString(op) + " at " + pc);
            }
            set[dst] = true;
            if (dst == 1) {
                r1IsCtx = false;
            }
        }
        throw new AssertionError("the program fell off its end");
    }

    private static long read(long[] reg, boolean[] set, int r, int pc) {
        if (!set[r]) {
            throw new AssertionError("R" + r + " read before it is written, at " + pc);
        }
        return reg[r];
    }
}
