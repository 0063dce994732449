package dev.katajava.virtcontainers.vmsource;

import dev.katajava.virtcontainers.agent.AgentClient;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.VmSpec;

/**
 * A VM running with its agent dialled, before CreateSandbox.
 *
 * @param madeAhead the VM was made before the sandbox asked (template clone, cached VM): it has the
 *                  configuration's default size, and what the workload asks beyond it is hot-plugged
 */
public record ReadyVm(VmSpec spec, Hypervisor hypervisor, AgentClient agent, boolean madeAhead) {
}
