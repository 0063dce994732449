package dev.katajava.qemu.hotplug;

import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.types.DeviceAddArgs;
import dev.katajava.qemu.qapi.types.ObjectAddArgs;
import dev.katajava.qemu.qapi.types.QueryCpusFastResultProps;
import dev.katajava.qemu.qapi.types.QueryHotpluggableCpusResult;
import dev.katajava.qemu.qmp.QmpException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vCPU and memory hot-plug on q35 over QMP. CPUs go into the free slots QEMU reports
 * (query-hotpluggable-cpus entries without a QOM path), with the slot's own socket/core/thread ids. Memory
 * is a RAM backend plus a pc-dimm, in whole guest memory blocks (128 MiB on x86-64) so the guest can online
 * all of it. The guest still has to online what arrives: the agent's OnlineCPUMem does that.
 */
public final class Hotplug {
    /** The x86-64 kernel's memory block size: hot-added memory is onlined in such blocks. */
    public static final int MEMORY_BLOCK_MIB = 128;

    private final QmpCommands qmp;
    private final Duration timeout;
    private final boolean sharedMemory;
    private int dimms;

    /**
     * @param sharedMemory back new memory with a shared memfd, as the boot memory is when a vhost-user device
     *                     must see guest RAM
     */
    public Hotplug(QmpCommands qmp, Duration timeout, boolean sharedMemory) {
        this.qmp = qmp;
        this.timeout = timeout;
        this.sharedMemory = sharedMemory;
    }

    /** Plugs up to {@code count} vCPUs into free slots; returns how many were plugged. */
    public int addVcpus(int count) throws QmpException {
        List<QueryHotpluggableCpusResult> slots = qmp.queryHotpluggableCpus(timeout);
        int added = 0;
        for (QueryHotpluggableCpusResult slot : slots) {
            if (added == count) {
                break;
            }
            if (slot.qomPath() != null) {
                continue; // occupied
            }
            QueryCpusFastResultProps p = slot.props();
            Map<String, Object> ids = new LinkedHashMap<>();
            putIfSet(ids, "node-id", p.nodeId());
            putIfSet(ids, "socket-id", p.socketId());
            putIfSet(ids, "die-id", p.dieId());
            putIfSet(ids, "cluster-id", p.clusterId());
            putIfSet(ids, "core-id", p.coreId());
            putIfSet(ids, "thread-id", p.threadId());
            String id = "cpu-s" + p.socketId() + "-c" + p.coreId() + "-t" + p.threadId();
            qmp.deviceAdd(new DeviceAddArgs(slot.type(), null, id), ids, timeout);
            added++;
        }
        return added;
    }

    /** Plugs a DIMM of {@code mib} (a multiple of {@link #MEMORY_BLOCK_MIB}). */
    public void addMemory(int mib) throws QmpException {
        if (mib <= 0 || mib % MEMORY_BLOCK_MIB != 0) {
            throw new IllegalArgumentException("hot-plugged memory must be a positive multiple of "
                    + MEMORY_BLOCK_MIB + " MiB, got " + mib);
        }
        int n = dimms++;
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("qom-type", sharedMemory ? "memory-backend-memfd" : "memory-backend-ram");
        backend.put("id", "hotmem" + n);
        backend.put("size", (long) mib << 20);
        if (sharedMemory) {
            backend.put("share", true);
        }
        qmp.objectAdd(ObjectAddArgs.of(backend), timeout);
        qmp.deviceAdd(new DeviceAddArgs("pc-dimm", null, "dimm" + n), Map.of("memdev", "hotmem" + n), timeout);
    }

    /** Rounds {@code mib} up to whole memory blocks. */
    public static int roundToBlocks(int mib) {
        return (mib + MEMORY_BLOCK_MIB - 1) / MEMORY_BLOCK_MIB * MEMORY_BLOCK_MIB;
    }

    private static void putIfSet(Map<String, Object> ids, String name, Long value) {
        if (value != null) {
            ids.put(name, value);
        }
    }
}
