package dev.katajava.shim.service;

import dev.katajava.shim.process.TaskProcess;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.oci.ContainerType;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A container this shim serves: its bundle, the VM it runs in, its init process and its execs.
 *
 * @param rootfsMountedHere whether the shim mounted the rootfs onto the bundle (and must unmount it)
 */
record ShimContainer(String id, Path bundle, ContainerType type, Sandbox sandbox, TaskProcess init,
                     Map<String, TaskProcess> execs, boolean rootfsMountedHere, ContainerHooks hooks) {

    ShimContainer(String id, Path bundle, ContainerType type, Sandbox sandbox, TaskProcess init,
                  boolean rootfsMountedHere, ContainerHooks hooks) {
        this(id, bundle, type, sandbox, init, new ConcurrentHashMap<>(), rootfsMountedHere, hooks);
    }

    /** The process named by {@code execId}; empty means init. Null when there is no such exec. */
    TaskProcess process(String execId) {
        return execId.isEmpty() ? init : execs.get(execId);
    }

    Path rootfs() {
        return bundle.resolve("rootfs");
    }
}
