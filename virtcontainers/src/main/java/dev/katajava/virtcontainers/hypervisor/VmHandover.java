package dev.katajava.virtcontainers.hypervisor;

/**
 * What a hypervisor implementation offers so that one process can boot a VM and another take it over (the VM
 * cache): the VMM must outlive the process that started it, and its control socket must be free for the next
 * owner.
 */
public interface VmHandover {
    /**
     * A VM whose VMM runs in a session of its own, with its output in files, so that neither a signal to this
     * process's group nor this process's end touches it.
     */
    Hypervisor createDetached(VmSpec spec);

    /**
     * Pauses a VM {@link #createDetached} made and started, and lets go of its control connection: from then on
     * this process neither controls nor stops it.
     */
    void pauseAndRelease(Hypervisor vm) throws HypervisorException;

    /**
     * Takes over the paused VMM {@code pid} whose run directory is now {@code spec.runDir()} (its sockets moved
     * with it), lets the guest run, and returns it as a VM this process owns like one it booted.
     *
     * @param accelerator the accelerator the VM was started with (KVM or TCG)
     */
    Hypervisor adopt(VmSpec spec, long pid, Accelerator accelerator) throws HypervisorException;
}
