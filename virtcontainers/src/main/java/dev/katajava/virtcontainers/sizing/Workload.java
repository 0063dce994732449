package dev.katajava.virtcontainers.sizing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.virtcontainers.oci.ContainerType;

/**
 * What a container (or, for a CRI pod, the whole pod) asks of the VM beyond its base size: whole vCPUs from
 * its CPU quota and period, MiB from its memory limit. No limit asks for nothing extra, as in Kata.
 */
public record Workload(int vcpus, int memoryMiB) {
    public static final Workload NONE = new Workload(0, 0);
    static final String SANDBOX_CPU_QUOTA = "io.kubernetes.cri.sandbox-cpu-quota";
    static final String SANDBOX_CPU_PERIOD = "io.kubernetes.cri.sandbox-cpu-period";
    static final String SANDBOX_MEMORY = "io.kubernetes.cri.sandbox-memory";
    private static final long MIB = 1L << 20;

    /** The workload of a container at create: the pod's (annotations) for a CRI sandbox, else its own limits. */
    public static Workload of(JsonNode spec, ContainerType type) {
        if (type.kind() == ContainerType.Kind.POD_SANDBOX) {
            JsonNode a = spec.path("annotations");
            return from(number(a.path(SANDBOX_CPU_QUOTA)), number(a.path(SANDBOX_CPU_PERIOD)),
                    number(a.path(SANDBOX_MEMORY)));
        }
        return ofResources(spec.path("linux").path("resources"));
    }

    /** The workload of an OCI LinuxResources object (create or Update). */
    public static Workload ofResources(JsonNode resources) {
        JsonNode cpu = resources.path("cpu");
        return from(cpu.path("quota").asLong(0), cpu.path("period").asLong(0),
                resources.path("memory").path("limit").asLong(0));
    }

    private static Workload from(long quota, long period, long memoryBytes) {
        int cpus = quota > 0 && period > 0 ? (int) Math.min(Integer.MAX_VALUE, (quota + period - 1) / period) : 0;
        int mib = memoryBytes > 0 ? (int) Math.min(Integer.MAX_VALUE, (memoryBytes + MIB - 1) / MIB) : 0;
        return new Workload(cpus, mib);
    }

    /** Annotation values are strings; anything that is not a number counts as unset. */
    private static long number(JsonNode n) {
        try {
            return n.isNumber() ? n.asLong() : Long.parseLong(n.asText("0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Workload plus(Workload other) {
        return new Workload(vcpus + other.vcpus, memoryMiB + other.memoryMiB);
    }
}
