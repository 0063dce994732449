package dev.katajava.agent.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Runs a compiled filter over one seccomp_data, as the kernel would: the test oracle for the compiler. */
final class BpfInterpreter {
    private BpfInterpreter() {
    }

    static int run(byte[] program, int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int count = program.length / 8;
        int acc = 0;
        for (int pc = 0; pc < count; pc++) {
            int op = code.getShort(pc * 8) & 0xffff;
            int jt = code.get(pc * 8 + 2) & 0xff;
            int jf = code.get(pc * 8 + 3) & 0xff;
            int k = code.getInt(pc * 8 + 4);
            switch (op) {
                case BpfProgram.LD_W_ABS -> acc = data.getInt(k);
                case BpfProgram.AND -> acc &= k;
                case BpfProgram.RET -> {
                    return k;
                }
                case BpfProgram.JEQ -> pc += acc == k ? jt : jf;
                case BpfProgram.JGT -> pc += Integer.compareUnsigned(acc, k) > 0 ? jt : jf;
                case BpfProgram.JGE -> pc += Integer.compareUnsigned(acc, k) >= 0 ? jt : jf;
                default -> throw new AssertionError("unexpected BPF opcode " + op + " at " + pc);
            }
        }
        throw new AssertionError("the program fell off its end");
    }
}
