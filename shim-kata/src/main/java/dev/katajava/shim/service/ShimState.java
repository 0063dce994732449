package dev.katajava.shim.service;

import dev.katajava.shim.monitor.MonitorServer;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one shim serves: at most one sandbox (VM) and the containers in it. Lifecycle changes hold
 * {@link #lifecycle}; readers (State, Wait) only read the concurrent map and the volatile sandbox.
 */
final class ShimState {
    /** containerd's namespace this shim serves, for events and logging binaries. */
    final String namespace;
    final Object lifecycle = new Object();
    final Map<String, ShimContainer> containers = new ConcurrentHashMap<>();
    volatile Sandbox sandbox;
    /** The sandbox's metrics endpoint, when it could be bound. */
    volatile MonitorServer monitor;

    ShimState(String namespace) {
        this.namespace = namespace;
    }

    /** The container with this id; NOT_FOUND (which containerd reads as "already gone") otherwise. */
    ShimContainer container(String id) throws TtrpcException {
        ShimContainer c = containers.get(id);
        if (c == null) {
            throw ErrorMapping.notFound("container", id);
        }
        return c;
    }

    void closeMonitor() {
        MonitorServer m = monitor;
        monitor = null;
        if (m != null) {
            m.close();
        }
    }

    long vmPid() {
        Sandbox s = sandbox;
        return s == null ? 0 : s.hypervisor().pid();
    }
}
