package dev.katajava.agent.seccomp;

import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.LinuxSeccomp;
import dev.katajava.protocols.agent.LinuxSeccompArg;
import dev.katajava.protocols.agent.LinuxSyscall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Compiles an OCI seccomp profile into a BPF filter for x86-64, with libseccomp's meaning: a call that
 * matches a rule gets the rule's action, all others the default action; the conditions of one rule must all
 * hold, except that several conditions on the same argument are alternatives (each becomes a rule of its
 * own, as runc does). Names the C library does not know are skipped, as libseccomp skips them.
 *
 * <p>Only native x86-64 calls are matched against the rules. Calls through the i386 or x32 entry points get
 * the default action when that action denies, and kill the process when it would allow: a deny list written
 * for x86-64 numbers must not be bypassed through another entry point.
 */
public final class SeccompCompiler {
    private static final Log LOG = Log.of("seccomp");
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int X32_SYSCALL_BIT = 0x40000000;
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;

    /** The compiled filter and the flags for seccomp(SECCOMP_SET_MODE_FILTER). */
    public record Filter(byte[] program, int flags) {
    }

    private SeccompCompiler() {
    }

    public static Filter compile(LinuxSeccomp profile) throws SeccompException {
        int defaultAction = SeccompAction.of(profile.getDefaultAction(), null, "seccomp defaultAction");
        for (String arch : profile.getArchitecturesList()) {
            if (!Set.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32").contains(arch)) {
                LOG.info("seccomp architecture ignored in an x86-64 guest", "arch", arch);
            }
        }
        int foreign = SeccompAction.permits(defaultAction) ? SeccompAction.RET_KILL_PROCESS : defaultAction;
        BpfProgram bpf = new BpfProgram();
        bpf.load(OFFSET_ARCH);
        bpf.jump(BpfProgram.JEQ, AUDIT_ARCH_X86_64, 3, 2);
        bpf.ret(foreign);
        bpf.load(OFFSET_NR);
        bpf.jump(BpfProgram.JGE, X32_SYSCALL_BIT, 5, 6);
        bpf.ret(foreign);
        Set<String> unknown = new HashSet<>();
        for (int i = 0; i < profile.getSyscallsCount(); i++) {
            LinuxSyscall rule = profile.getSyscalls(i);
            String where = "seccomp syscalls[" + i + "]";
            int action = SeccompAction.of(rule.getAction(), rule.hasErrnoret() ? rule.getErrnoret() : null, where);
            if (action == defaultAction) {
                continue; // The default already does this: the rule cannot change the outcome.
            }
            for (List<LinuxSeccompArg> conditions : alternatives(rule.getArgsList(), where)) {
                for (String name : rule.getNamesList()) {
                    OptionalInt nr = SyscallTable.number(name);
                    if (nr.isEmpty()) {
                        unknown.add(name);
                        continue;
                    }
                    emitRule(bpf, nr.getAsInt(), conditions, action);
                }
            }
        }
        bpf.ret(defaultAction);
        if (!unknown.isEmpty()) {
            LOG.info("seccomp rules for system calls this kernel's headers do not name were skipped",
                    "syscalls", String.join(",", unknown.stream().sorted().toList()));
        }
        return new Filter(bpf.build(), flags(profile.getFlagsList()));
    }

    /** The condition sets a rule stands for: one, unless an argument index repeats (then one per condition). */
    private static List<List<LinuxSeccompArg>> alternatives(List<LinuxSeccompArg> args, String where)
            throws SeccompException {
        Set<Long> indexes = new HashSet<>();
        boolean repeated = false;
        for (LinuxSeccompArg a : args) {
            // The index is a uint64: compared signed, one of 2^63 or more would pass and load another field.
            if (Long.compareUnsigned(a.getIndex(), 5) > 0) {
                throw new SeccompException(where + ": argument index " + Long.toUnsignedString(a.getIndex())
                        + " is over 5");
            }
            repeated |= !indexes.add(a.getIndex());
        }
        if (!repeated) {
            return List.of(args);
        }
        List<List<LinuxSeccompArg>> each = new ArrayList<>();
        for (LinuxSeccompArg a : args) {
            each.add(List.of(a));
        }
        return each;
    }

    /**
     * {@code if nr == N && conditions: return action}. With conditions, every path out of the rule that does
     * not return lands on a reload of the call number, because the checks overwrite the accumulator.
     */
    private static void emitRule(BpfProgram bpf, int nr, List<LinuxSeccompArg> conditions, int action)
            throws SeccompException {
        int start = bpf.size();
        if (conditions.isEmpty()) {
            bpf.jump(BpfProgram.JEQ, nr, start + 1, start + 2);
            bpf.ret(action);
            return;
        }
        int bodyLength = 0;
        for (LinuxSeccompArg c : conditions) {
            bodyLength += ArgumentCheck.length(c.getOp());
        }
        // Layout: [jeq nr] [checks] [ret action] [reload nr]; "next" is the reload.
        int next = start + 1 + bodyLength + 1;
        bpf.jump(BpfProgram.JEQ, nr, start + 1, next);
        for (LinuxSeccompArg c : conditions) {
            ArgumentCheck.emit(bpf, OFFSET_ARGS + 8 * (int) c.getIndex(), c, next);
        }
        bpf.ret(action);
        bpf.load(OFFSET_NR);
    }

    private static int flags(List<String> names) throws SeccompException {
        int flags = 0;
        for (String name : names) {
            flags |= switch (name) {
                case "SECCOMP_FILTER_FLAG_TSYNC" -> 1;
                case "SECCOMP_FILTER_FLAG_LOG" -> 2;
                case "SECCOMP_FILTER_FLAG_SPEC_ALLOW" -> 4;
                default -> throw new SeccompException("seccomp flags: unknown flag \"" + name + "\"");
            };
        }
        return flags;
    }
}
