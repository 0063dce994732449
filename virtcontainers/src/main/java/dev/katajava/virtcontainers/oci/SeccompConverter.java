package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.LinuxSeccomp;
import dev.katajava.protocols.agent.LinuxSeccompArg;
import dev.katajava.protocols.agent.LinuxSyscall;

/** The OCI {@code linux.seccomp} object as the agent's LinuxSeccomp message; the agent checks the values. */
final class SeccompConverter {
    private SeccompConverter() {
    }

    static LinuxSeccomp convert(JsonNode s) throws OciSpecException {
        String defaultAction = s.path("defaultAction").asText("");
        if (defaultAction.isEmpty()) {
            throw new OciSpecException("config.json: linux.seccomp.defaultAction is missing");
        }
        LinuxSeccomp.Builder b = LinuxSeccomp.newBuilder().setDefaultAction(defaultAction);
        AgentSpecConverter.strings(s.path("architectures"), b::addArchitectures);
        AgentSpecConverter.strings(s.path("flags"), b::addFlags);
        int i = 0;
        for (JsonNode call : s.path("syscalls")) {
            LinuxSyscall.Builder rule = LinuxSyscall.newBuilder().setAction(call.path("action").asText(""));
            AgentSpecConverter.strings(call.path("names"), rule::addNames);
            if (call.has("errnoRet")) {
                rule.setErrnoret(call.get("errnoRet").asInt());
            }
            for (JsonNode arg : call.path("args")) {
                if (!arg.path("index").canConvertToLong() || !arg.has("op")) {
                    throw new OciSpecException("config.json: linux.seccomp.syscalls[" + i
                            + "].args needs an index and an op");
                }
                rule.addArgs(LinuxSeccompArg.newBuilder()
                        .setIndex(arg.path("index").asLong())
                        .setValue(unsigned(arg.path("value")))
                        .setValueTwo(unsigned(arg.path("valueTwo")))
                        .setOp(arg.path("op").asText()));
            }
            b.addSyscalls(rule);
            i++;
        }
        return b.build();
    }

    /** Argument values are uint64 in the spec: values over Long.MAX_VALUE keep their bits. */
    private static long unsigned(JsonNode n) {
        return n.isBigInteger() ? n.bigIntegerValue().longValue() : n.asLong(0);
    }
}
