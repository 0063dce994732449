package dev.katajava.agent;

import dev.katajava.agent.container.Container;
import dev.katajava.agent.container.ContainerException;
import dev.katajava.agent.container.ContainerRuntime;
import dev.katajava.agent.container.GuestHookDir;
import dev.katajava.agent.hostsockets.HostSocketForwarder;
import dev.katajava.agent.storage.StorageMounter;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's state: the sandbox's storages and its containers. */
public final class GuestSandbox {
    private static final Log LOG = Log.of("agent");
    private static final Path HOST_SOCKETS = Path.of("/run/kata-agent/host-sockets");

    private final ContainerRuntime runtime;
    private final StorageMounter storages = new StorageMounter();
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private volatile String sandboxId = "";
    private volatile GuestHookDir guestHooks = GuestHookDir.NONE;
    private static final long OOM_POLL_MS = 200;
    private static final int SIGKILL = 9;
    private final Map<String, Long> oomSeen = new ConcurrentHashMap<>();

    private final HostSocketForwarder hostSockets;

    public GuestSandbox(ContainerRuntime runtime) {
        this(runtime, HostSocketForwarder.overVsock(HOST_SOCKETS));
    }

    public GuestSandbox(ContainerRuntime runtime, HostSocketForwarder hostSockets) {
        this.runtime = runtime;
        this.hostSockets = hostSockets;
    }

    /** The listening sockets standing in for the host sockets containers' bind mounts bring in. */
    public HostSocketForwarder hostSockets() {
        return hostSockets;
    }

    /**
     * Mounts the sandbox's storages and sets its hostname.
     *
     * @param guestHookPath Kata's guest_hook_path: hooks in the guest image run for every container ("": none)
     */
    public synchronized void create(String id, String hostname, Iterable<Storage> sandboxStorages,
                                    String guestHookPath) throws IOException {
        if (!sandboxId.isEmpty()) {
            throw new IOException("sandbox " + sandboxId + " already exists");
        }
        for (Storage s : sandboxStorages) {
            storages.mount(s);
        }
        if (!hostname.isEmpty()) {
            Hostname.set(hostname);
        }
        sandboxId = id;
        guestHooks = GuestHookDir.at(guestHookPath);
        LOG.info("sandbox created", "sandbox", id);
    }

    public Container createContainer(String id, Spec spec) throws ContainerException {
        synchronized (containers) {
            if (containers.containsKey(id)) {
                throw ContainerException.alreadyExists("container " + id + " already exists");
            }
            Container c = Container.create(id, spec, runtime, podSandboxInit(spec));
            try {
                guestHooks.prestart(c);
            } catch (ContainerException e) {
                c.destroy(5);
                throw e;
            }
            containers.put(id, c);
            return c;
        }
    }

    /**
     * The init pid of the pod sandbox container a pod member belongs to (CRI's and CRI-O's annotations), or
     * 0: the containers of a pod share the sandbox's IPC and UTS namespaces, as Kata's agent shares them
     * and as runc joins the pause container's.
     */
    private long podSandboxInit(Spec spec) {
        var annotations = spec.getAnnotationsMap();
        String sandbox = "";
        if ("container".equals(annotations.get("io.kubernetes.cri.container-type"))) {
            sandbox = annotations.getOrDefault("io.kubernetes.cri.sandbox-id", "");
        } else if ("container".equals(annotations.get("io.kubernetes.cri-o.ContainerType"))) {
            sandbox = annotations.getOrDefault("io.kubernetes.cri-o.SandboxID", "");
        }
        Container c = containers.get(sandbox);
        return c == null ? 0 : c.initPid();
    }

    public Container container(String id) throws ContainerException {
        Container c = containers.get(id);
        if (c == null) {
            throw ContainerException.notFound("container " + id + " not found");
        }
        return c;
    }

    /** Lets the container's process run; a failing guest poststart hook kills it and fails the start. */
    public void startContainer(String id) throws ContainerException {
        Container c = container(id);
        c.start();
        try {
            guestHooks.poststart(c);
        } catch (ContainerException e) {
            c.signal("", SIGKILL);
            throw e;
        }
    }

    /** Removes the container; its host sockets' stand-ins go even when the container was never created. */
    public void removeContainer(String id, int timeoutSeconds) throws ContainerException {
        hostSockets.release(id);
        Container c = container(id);
        c.destroy(timeoutSeconds);
        containers.remove(id);
        guestHooks.poststop(c);
    }

    /**
     * Blocks until the kernel's OOM killer kills a process in some container and returns that container's
     * id (Kata's GetOOMEvent long poll). Each kill is reported once.
     */
    public String awaitOom() throws InterruptedException {
        while (true) {
            for (Container c : containers.values()) {
                long kills;
                try {
                    kills = c.cgroup().oomKills();
                } catch (IOException e) {
                    continue;
                }
                Long seen = oomSeen.put(c.id(), kills);
                if (seen != null && kills > seen) {
                    return c.id();
                }
            }
            Thread.sleep(OOM_POLL_MS);
        }
    }

    /**
     * Kills every container and unmounts the storages. The agent is then as a fresh VM's: a VM template
     * destroys its training sandbox before it is saved, and each clone creates its own.
     */
    public synchronized void destroy() {
        for (Container c : containers.values()) {
            try {
                c.destroy(5);
            } catch (ContainerException e) {
                LOG.warn("container did not stop", "container", c.id(), "error", e.getMessage());
            }
        }
        containers.clear();
        hostSockets.releaseAll();
        storages.unmountAll();
        oomSeen.clear();
        LOG.info("sandbox destroyed", "sandbox", sandboxId);
        sandboxId = "";
        guestHooks = GuestHookDir.NONE;
        runtime.launcher().refillNow();
    }
}
