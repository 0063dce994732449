package dev.katajava.virtcontainers.network;

import dev.katajava.virtcontainers.hypervisor.Hypervisor;

/**
 * The network model of one sandbox: how the interfaces of the pod's network namespace become NICs of the VM
 * (Kata's {@code internetworking_model}).
 */
public interface PodNetwork extends AutoCloseable {
    /** How many NICs the VM needs room for now (interfaces to connect at boot plus room for late ones). */
    int nicSlots();

    /**
     * Connects every pod interface not connected yet (plugging its NIC into {@code vm}) and returns what the
     * guest must be told. The first call fails on an interface this model cannot connect; later ones skip it.
     */
    GuestNetwork sync(Hypervisor vm) throws NetworkException;

    /** Waits up to {@code timeoutMillis} for a change in the namespace; true when something changed. */
    boolean awaitChange(int timeoutMillis) throws NetworkException;

    /** Whether {@link #awaitChange} can ever report something (a namespace is being watched). */
    boolean watches();

    /** Removes the host side: filters on the pod's interfaces (taps go with the VMM that holds them). */
    @Override
    void close();
}
