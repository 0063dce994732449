package dev.katajava.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.katajava.protocols.agent.LinuxSeccomp;
import dev.katajava.protocols.agent.LinuxSeccompArg;
import dev.katajava.protocols.agent.LinuxSyscall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A container's seccomp profile is whatever its spec carries. The compiler must refuse a profile with a
 * {@link SeccompException}, or emit a program the kernel accepts: within BPF_MAXINSNS, every jump inside the
 * program, and every path ending in a return (checked by running it on random system calls).
 */
class SeccompCompilerFuzzTest {
    private static final String[] ACTIONS = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"};
    private static final String[] OPS = {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_LT",
            "SCMP_CMP_LE", "SCMP_CMP_MASKED_EQ"};
    private static final String[] SYSCALLS = {"read", "write", "openat", "personality", "clone", "socket", "kill",
            "mmap", "nosuchcall"};
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;

    @FuzzTest(maxDuration = "10s")
    void profilesCompileToTerminatingProgramsOrAreRefused(FuzzedDataProvider data) {
        LinuxSeccomp profile = profile(data);
        SeccompCompiler.Filter filter;
        try {
            filter = SeccompCompiler.compile(profile);
        } catch (SeccompException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        byte[] program = filter.program();
        assertThat(program.length % 8).isZero();
        int count = program.length / 8;
        assertThat(count).isBetween(1, BpfProgram.MAX_INSTRUCTIONS);
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        for (int pc = 0; pc < count; pc++) {
            int op = code.getShort(pc * 8) & 0xffff;
            if (op == BpfProgram.JEQ || op == BpfProgram.JGT || op == BpfProgram.JGE) {
                int jt = code.get(pc * 8 + 2) & 0xff;
                int jf = code.get(pc * 8 + 3) & 0xff;
                assertThat(pc + 1 + Math.max(jt, jf)).as("jump target of instruction %d", pc).isLessThan(count);
            }
        }
        assertThat(code.getShort((count - 1) * 8) & 0xffff).isEqualTo(BpfProgram.RET);
        for (int i = 0; i < 4; i++) {
            int arch = data.consumeBoolean() ? AUDIT_ARCH_X86_64 : data.consumeInt();
            BpfInterpreter.run(program, arch, data.consumeInt(0, 500), data.consumeLong(), data.consumeLong(),
                    data.consumeLong(), data.consumeLong(), data.consumeLong(), data.consumeLong());
        }
    }

    private static LinuxSeccomp profile(FuzzedDataProvider data) {
        LinuxSeccomp.Builder profile = LinuxSeccomp.newBuilder().setDefaultAction(action(data));
        if (data.consumeBoolean()) {
            profile.addArchitectures(data.consumeBoolean() ? "SCMP_ARCH_X86_64" : data.consumeString(16));
        }
        if (data.consumeInt(0, 3) == 0) {
            profile.addFlags(data.consumeBoolean() ? "SECCOMP_FILTER_FLAG_LOG" : data.consumeString(16));
        }
        for (int i = data.consumeInt(0, 6); i > 0; i--) {
            LinuxSyscall.Builder rule = LinuxSyscall.newBuilder().setAction(action(data));
            for (int j = data.consumeInt(1, 3); j > 0; j--) {
                rule.addNames(data.consumeBoolean() ? SYSCALLS[data.consumeInt(0, SYSCALLS.length - 1)]
                        : data.consumeString(12));
            }
            if (data.consumeBoolean()) {
                rule.setErrnoret(data.consumeInt());
            }
            for (int j = data.consumeInt(0, 4); j > 0; j--) {
                rule.addArgs(LinuxSeccompArg.newBuilder()
                        .setIndex(data.consumeBoolean() ? data.consumeLong(0, 6) : data.consumeLong())
                        .setValue(data.consumeLong())
                        .setValueTwo(data.consumeLong())
                        .setOp(data.consumeBoolean() ? OPS[data.consumeInt(0, OPS.length - 1)] : data.consumeString(12)));
            }
            profile.addSyscalls(rule);
        }
        return profile.build();
    }

    private static String action(FuzzedDataProvider data) {
        return data.consumeInt(0, 9) == 0 ? data.consumeString(16) : ACTIONS[data.consumeInt(0, ACTIONS.length - 1)];
    }
}
