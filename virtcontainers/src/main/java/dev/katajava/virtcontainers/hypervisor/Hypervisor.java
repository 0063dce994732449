package dev.katajava.virtcontainers.hypervisor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One virtual machine and the process that runs it.
 *
 * <p>Invariants: {@link #start} is called at most once; after it returns the VMM process exists and the
 * guest has been let run, but the guest agent may not be up yet. {@link #exited} completes exactly once,
 * when the VMM process has been reaped, whoever caused the exit. {@link #stop} is idempotent and returns
 * only when the VMM process is gone.
 */
public interface Hypervisor {
    /**
     * Boots the VM described by the spec this instance was created with. {@code backends} are started before
     * each launch of the VMM (there may be more than one when an accelerator is probed).
     */
    void start(LaunchBackends backends) throws HypervisorException;

    /** The VMM's host pid (containerd shows it as the task pid); 0 before {@link #start}. */
    long pid();

    /** The accelerator the running VM got (KVM or TCG); {@link Accelerator#AUTO} when not known. */
    default Accelerator acceleratorInUse() {
        return Accelerator.AUTO;
    }

    /** Completes with the VMM's exit code once its process has been reaped. */
    CompletableFuture<Integer> exited();

    /** Asks the VMM to quit, kills it when {@code grace} passes, and reaps it. */
    void stop(Duration grace);

    /** The VM's size now: what it booted with plus what {@link #grow} has plugged. */
    VmSize size();

    /**
     * Grows the running VM to at least {@code vcpus} and {@code memoryMiB} by hot-plug, within the maximum its
     * {@link VmSize} allows; returns the size it has now. It never shrinks. A VM that cannot hot-plug returns
     * its size unchanged.
     */
    VmSize grow(int vcpus, int memoryMiB) throws HypervisorException;

    /**
     * Plugs {@code nic} into the running VM and returns the guest's PCI path of the new function
     * ({@code "18/00"}: slot of the port on the root bus, then the device's slot behind it). The VM must have
     * been booted with {@link VmSpec#nicSlots} free ports.
     */
    default String addNetDevice(NetDevice nic) throws HypervisorException {
        throw new HypervisorException("this hypervisor cannot plug network devices (" + nic.id() + ")");
    }

    /**
     * Unplugs NIC {@code id}: asks the guest to release it, waits up to {@code wait} for that, then removes the
     * backend. Unknown ids are ignored.
     */
    default void removeNetDevice(String id, Duration wait) throws HypervisorException {
        throw new HypervisorException("this hypervisor cannot unplug network devices (" + id + ")");
    }

    /**
     * For a VM booted as a template ({@link VmSpec#template}, role TEMPLATE): pauses it and saves its device
     * state to the template's state file; its RAM stays in the memory file. The VM is left paused.
     */
    default void saveAsTemplate() throws HypervisorException {
        throw new HypervisorException("this hypervisor cannot make VM templates");
    }

    /** What the guest printed on its console so far, for error messages (may be truncated to the tail). */
    String consoleTail(int maxBytes);
}
