package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.LinuxCPU;
import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import dev.katajava.protocols.agent.LinuxHugepageLimit;
import dev.katajava.protocols.agent.LinuxMemory;
import dev.katajava.protocols.agent.LinuxResources;

/**
 * OCI {@code linux.resources} for the guest's cgroups. Block IO, network and cpuset placement describe the
 * host and are left out, as Kata does: the VM's own size bounds them. The pids limit is kept: a fork bomb
 * must meet the same limit it would under runc. Device rules are kept for the agent to enforce on the
 * guest's devices, with a major or minor the spec leaves out sent as -1 (the wildcard).
 */
public final class ResourcesConverter {
    private ResourcesConverter() {
    }

    public static LinuxResources forGuest(JsonNode r) {
        LinuxResources.Builder b = LinuxResources.newBuilder();
        for (JsonNode d : r.path("devices")) {
            b.addDevices(LinuxDeviceCgroup.newBuilder()
                    .setAllow(d.path("allow").asBoolean(false))
                    .setType(d.path("type").asText(""))
                    .setMajor(d.path("major").isIntegralNumber() ? d.path("major").asLong() : -1)
                    .setMinor(d.path("minor").isIntegralNumber() ? d.path("minor").asLong() : -1)
                    .setAccess(d.path("access").asText("")));
        }
        JsonNode mem = r.path("memory");
        if (mem.isObject()) {
            b.setMemory(LinuxMemory.newBuilder()
                    .setLimit(mem.path("limit").asLong(0))
                    .setReservation(mem.path("reservation").asLong(0))
                    .setSwap(mem.path("swap").asLong(0))
                    .setKernel(mem.path("kernel").asLong(0))
                    .setKernelTCP(mem.path("kernelTCP").asLong(0))
                    .setSwappiness(mem.path("swappiness").asLong(0))
                    .setDisableOOMKiller(mem.path("disableOOMKiller").asBoolean(false)));
        }
        JsonNode cpu = r.path("cpu");
        if (cpu.isObject()) {
            b.setCPU(LinuxCPU.newBuilder()
                    .setShares(cpu.path("shares").asLong(0))
                    .setQuota(cpu.path("quota").asLong(0))
                    .setPeriod(cpu.path("period").asLong(0))
                    .setRealtimeRuntime(cpu.path("realtimeRuntime").asLong(0))
                    .setRealtimePeriod(cpu.path("realtimePeriod").asLong(0)));
        }
        JsonNode pids = r.path("pids");
        if (pids.isObject() && pids.path("limit").asLong(0) != 0) {
            b.setPids(dev.katajava.protocols.agent.LinuxPids.newBuilder().setLimit(pids.path("limit").asLong()));
        }
        for (JsonNode h : r.path("hugepageLimits")) {
            b.addHugepageLimits(LinuxHugepageLimit.newBuilder()
                    .setPagesize(h.path("pageSize").asText())
                    .setLimit(h.path("limit").asLong()));
        }
        return b.build();
    }

    /**
     * Whether the device rules leave every device open (ctr's and CRI's --privileged write "allow a rwm"):
     * the last all-devices rule allows, and no deny rule follows it.
     */
    public static boolean allowsAllDevices(JsonNode r) {
        boolean all = false;
        for (JsonNode d : r.path("devices")) {
            String type = d.path("type").asText("");
            boolean allow = d.path("allow").asBoolean(false);
            if (type.isEmpty() || type.equals("a")) {
                all = allow;
            } else if (!allow) {
                all = false;
            }
        }
        return all;
    }
}
