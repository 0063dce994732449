package dev.katajava.virtcontainers.network;

import dev.katajava.virtcontainers.hypervisor.Hypervisor;

/**
 * No connection: the guest has only its loopback. Used for {@code internetworking_model = "none"} and for a
 * spec whose network namespace the runtime creates itself (nothing in it but loopback).
 */
public final class NoNetwork implements PodNetwork {
    @Override
    public int nicSlots() {
        return 0;
    }

    @Override
    public GuestNetwork sync(Hypervisor vm) {
        return GuestNetwork.UNCHANGED;
    }

    @Override
    public boolean awaitChange(int timeoutMillis) {
        return false;
    }

    @Override
    public boolean watches() {
        return false;
    }

    @Override
    public void close() {
        // Nothing was set up.
    }
}
