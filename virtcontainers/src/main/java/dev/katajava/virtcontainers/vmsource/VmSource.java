package dev.katajava.virtcontainers.vmsource;

import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import java.io.IOException;

/** Where a sandbox's VM comes from: the VM cache, the template, or a cold boot. */
public interface VmSource {
    /**
     * A running VM for {@code request}, or null when this source cannot give one and the next must (the
     * reason logged, nothing of its own left behind).
     */
    ReadyVm start(VmRequest request) throws IOException, HypervisorException, TtrpcException;
}
