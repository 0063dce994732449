package dev.katajava.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.LinuxSeccomp;
import dev.katajava.protocols.agent.LinuxSeccompArg;
import dev.katajava.protocols.agent.LinuxSyscall;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeccompCompilerTest {
    private static final int X86_64 = 0xC000003E;
    private static final int I386 = 0x40000003;
    private static final int ALLOW = SeccompAction.RET_ALLOW;
    private static final int EPERM = SeccompAction.RET_ERRNO | 1;
    private static final int MKDIR = nr("mkdir");
    private static final int PERSONALITY = nr("personality");
    private static final int GETPID = nr("getpid");

    private static int nr(String name) {
        return SyscallTable.number(name).orElseThrow();
    }

    private static LinuxSyscall.Builder rule(String action, String... names) {
        return LinuxSyscall.newBuilder().setAction(action).addAllNames(List.of(names));
    }

    private static LinuxSeccompArg arg(int index, String op, long value, long valueTwo) {
        return LinuxSeccompArg.newBuilder().setIndex(index).setOp(op).setValue(value).setValueTwo(valueTwo).build();
    }

    private static byte[] compile(String defaultAction, LinuxSyscall.Builder... rules) throws SeccompException {
        LinuxSeccomp.Builder p = LinuxSeccomp.newBuilder().setDefaultAction(defaultAction)
                .addArchitectures("SCMP_ARCH_X86_64");
        for (LinuxSyscall.Builder r : rules) {
            p.addSyscalls(r);
        }
        return SeccompCompiler.compile(p.build()).program();
    }

    @Test
    void anArgumentIndexOf2To63OrMoreIsRefusedNotReadAsAnotherField() {
        LinuxSeccomp profile = LinuxSeccomp.newBuilder().setDefaultAction("SCMP_ACT_ALLOW")
                .addSyscalls(LinuxSyscall.newBuilder().addNames("personality").setAction("SCMP_ACT_ERRNO")
                        .addArgs(LinuxSeccompArg.newBuilder().setIndex(-1L).setValue(8).setOp("SCMP_CMP_EQ")))
                .build();
        assertThatThrownBy(() -> SeccompCompiler.compile(profile)).isInstanceOf(SeccompException.class)
                .hasMessageContaining("argument index 18446744073709551615 is over 5");
    }

    @Test
    void theTableHasTheKernelsNumbers() {
        assertThat(SyscallTable.number("read")).hasValue(0);
        assertThat(SyscallTable.number("execve")).hasValue(59);
        assertThat(SyscallTable.number("no_such_call")).isEmpty();
    }

    @Test
    void anAllowListLetsListedCallsThroughAndDeniesTheRestWithTheDefaultErrno() throws Exception {
        byte[] p = compile("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "getpid", "read", "no_such_call"));

        assertThat(BpfInterpreter.run(p, X86_64, GETPID)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, 0)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, MKDIR)).isEqualTo(EPERM);
    }

    @Test
    void aDenyRuleReturnsItsOwnErrno() throws Exception {
        byte[] p = compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir").setErrnoret(38));

        assertThat(BpfInterpreter.run(p, X86_64, MKDIR)).isEqualTo(SeccompAction.RET_ERRNO | 38);
        assertThat(BpfInterpreter.run(p, X86_64, GETPID)).isEqualTo(ALLOW);
    }

    @Test
    void callsThroughOtherEntryPointsCannotBypassADenyList() throws Exception {
        byte[] denyList = compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir"));
        byte[] allowList = compile("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "mkdir"));

        assertThat(BpfInterpreter.run(denyList, I386, 39)).isEqualTo(SeccompAction.RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(denyList, X86_64, 0x40000000 | MKDIR)).isEqualTo(SeccompAction.RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(allowList, I386, 39)).isEqualTo(EPERM);
    }

    @ParameterizedTest(name = "{0} {1} against {2}: {3}")
    @CsvSource({
        "SCMP_CMP_EQ, 8, 8, true", "SCMP_CMP_EQ, 8, 9, false", "SCMP_CMP_EQ, 8, 4294967304, false",
        "SCMP_CMP_NE, 8, 8, false", "SCMP_CMP_NE, 8, 9, true", "SCMP_CMP_NE, 8, 4294967304, true",
        "SCMP_CMP_GT, 8, 9, true", "SCMP_CMP_GT, 8, 8, false", "SCMP_CMP_GT, 4294967304, 9, false",
        "SCMP_CMP_GT, 8, 4294967296, true",
        "SCMP_CMP_GE, 8, 8, true", "SCMP_CMP_GE, 8, 7, false", "SCMP_CMP_GE, 4294967296, 4294967295, false",
        "SCMP_CMP_LT, 8, 7, true", "SCMP_CMP_LT, 8, 8, false", "SCMP_CMP_LT, 4294967296, 4294967295, true",
        "SCMP_CMP_LT, 8, 4294967296, false",
        "SCMP_CMP_LE, 8, 8, true", "SCMP_CMP_LE, 8, 9, false", "SCMP_CMP_LE, 4294967304, 8, true",
        "SCMP_CMP_GE, -1, -1, true", "SCMP_CMP_GT, 1, -1, true"
    })
    void argumentComparisonsAreUnsigned64Bit(String op, long value, long actual, boolean matches) throws Exception {
        byte[] p = compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "personality").addArgs(arg(0, op, value, 0)));

        assertThat(BpfInterpreter.run(p, X86_64, PERSONALITY, actual)).isEqualTo(matches ? EPERM : ALLOW);
    }

    @Test
    void maskedEqualityComparesTheMaskedArgument() throws Exception {
        byte[] p = compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "clone")
                .addArgs(arg(0, "SCMP_CMP_MASKED_EQ", 0x7E020000L, 0)));

        assertThat(BpfInterpreter.run(p, X86_64, nr("clone"), 0x11L)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(p, X86_64, nr("clone"), 0x20000011L)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, nr("clone"), 0x1_0000_0011L)).isEqualTo(EPERM);
    }

    @Test
    void conditionsOnDifferentArgumentsMustAllHold() throws Exception {
        byte[] p = compile("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "socket")
                .addArgs(arg(0, "SCMP_CMP_EQ", 1, 0)).addArgs(arg(1, "SCMP_CMP_EQ", 2, 0)),
                rule("SCMP_ACT_ALLOW", "getpid"));

        assertThat(BpfInterpreter.run(p, X86_64, nr("socket"), 1, 2)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, nr("socket"), 1, 3)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(p, X86_64, nr("socket"), 2, 2)).isEqualTo(EPERM);
        // The failed checks reloaded the call number: later rules still see it.
        assertThat(BpfInterpreter.run(p, X86_64, GETPID, 1, 3)).isEqualTo(ALLOW);
    }

    @Test
    void conditionsOnTheSameArgumentAreAlternatives() throws Exception {
        byte[] p = compile("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "personality")
                .addArgs(arg(0, "SCMP_CMP_EQ", 0, 0)).addArgs(arg(0, "SCMP_CMP_EQ", 8, 0)));

        assertThat(BpfInterpreter.run(p, X86_64, PERSONALITY, 0)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, PERSONALITY, 8)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(p, X86_64, PERSONALITY, 4)).isEqualTo(EPERM);
    }

    @Test
    void aProfileTheSizeOfContainerdsDefaultFitsTheKernelsLimit() throws Exception {
        LinuxSyscall.Builder all = rule("SCMP_ACT_ALLOW");
        for (int n = 0; n < 450; n++) {
            all.addNames("call" + n);
        }
        for (String name : List.of("read", "write", "openat", "close", "execve", "mmap", "brk", "futex")) {
            all.addNames(name);
        }

        byte[] p = compile("SCMP_ACT_ERRNO", all);

        assertThat(BpfInterpreter.run(p, X86_64, nr("futex"))).isEqualTo(ALLOW);
    }

    @Test
    void badProfilesAreRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> compile("SCMP_ACT_SOMETIMES"))
                .isInstanceOf(SeccompException.class).hasMessageContaining("defaultAction")
                .hasMessageContaining("SCMP_ACT_SOMETIMES");
        assertThatThrownBy(() -> compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "personality")
                .addArgs(arg(6, "SCMP_CMP_EQ", 0, 0))))
                .isInstanceOf(SeccompException.class).hasMessageContaining("syscalls[0]")
                .hasMessageContaining("index 6");
        assertThatThrownBy(() -> compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "personality")
                .addArgs(arg(0, "SCMP_CMP_ALMOST", 0, 0))))
                .isInstanceOf(SeccompException.class).hasMessageContaining("SCMP_CMP_ALMOST");
        assertThatThrownBy(() -> compile("SCMP_ACT_ALLOW", rule("SCMP_ACT_NOTIFY", "mkdir")))
                .isInstanceOf(SeccompException.class).hasMessageContaining("SCMP_ACT_NOTIFY");
    }
}
