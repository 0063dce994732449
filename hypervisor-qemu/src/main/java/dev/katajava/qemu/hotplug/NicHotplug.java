package dev.katajava.qemu.hotplug;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.qemu.cmdline.NicPorts;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.QmpEvents;
import dev.katajava.qemu.qapi.types.DeviceAddArgs;
import dev.katajava.qemu.qapi.types.DeviceDelArgs;
import dev.katajava.qemu.qapi.types.NetdevDelArgs;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.qemu.qmp.QmpFdChannel;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * virtio-net hot-plug on q35: the tap descriptor goes to QEMU with {@code getfd} over the descriptor
 * monitor, {@code netdev_add tap fd=...} over the same monitor (the name is only known there), then
 * {@code device_add virtio-net-pci} into a free root port. Removal is {@code device_del}, the guest's
 * release ({@code DEVICE_DELETED}), then {@code netdev_del}. Every step that fails undoes the ones before.
 */
public final class NicHotplug {
    private final QmpCommands qmp;
    private final QmpFdChannel fdMonitor;
    private final Duration timeout;
    private final String[] ports;
    private final Map<String, CompletableFuture<Void>> deleted = new ConcurrentHashMap<>();

    /** Hot-plug into {@code slots} root ports; {@code fdMonitor} is owned (closed by {@link #close}). */
    public NicHotplug(QmpClient client, QmpFdChannel fdMonitor, int slots, Duration timeout) {
        this.qmp = new QmpCommands(client);
        this.fdMonitor = fdMonitor;
        this.timeout = timeout;
        this.ports = new String[slots];
        client.onEvent(this::onEvent);
    }

    /** Plugs {@code nic}; returns the guest PCI path of its function. */
    public synchronized String plug(NetDevice nic) throws QmpException {
        int port = -1;
        for (int i = 0; i < ports.length; i++) {
            if (nic.id().equals(ports[i])) {
                throw new QmpException("NIC " + nic.id() + " is plugged already");
            }
            if (ports[i] == null && port < 0) {
                port = i;
            }
        }
        if (port < 0) {
            throw new QmpException("no free PCIe root port for NIC " + nic.id() + " (all " + ports.length
                    + " in use)");
        }
        String fdName = "fd-" + nic.id();
        String netdev = netdevId(nic.id());
        fdMonitor.execute("getfd", Map.of("fdname", fdName), new int[] {nic.tapFd()}, timeout);
        try {
            Map<String, Object> tap = new LinkedHashMap<>();
            tap.put("type", "tap");
            tap.put("id", netdev);
            tap.put("fd", fdName);
            tap.put("vhost", nic.vhost());
            fdMonitor.execute("netdev_add", tap, new int[0], timeout);
        } catch (QmpException e) {
            closeFd(fdName);
            throw new QmpException("netdev_add for NIC " + nic.id() + ": " + e.getMessage(), e);
        }
        try {
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("netdev", netdev);
            props.put("mac", nic.mac());
            if (nic.mtu() > 0) {
                props.put("host_mtu", nic.mtu());
            }
            qmp.deviceAdd(new DeviceAddArgs("virtio-net-pci", NicPorts.portId(port), deviceId(nic.id())), props,
                    timeout);
        } catch (QmpException e) {
            deleteNetdev(netdev);
            throw new QmpException("device_add virtio-net-pci for NIC " + nic.id() + ": " + e.getMessage(), e);
        }
        ports[port] = nic.id();
        return NicPorts.pciPath(port);
    }

    /** Unplugs NIC {@code id}, waiting up to {@code wait} for the guest to release it. Unknown ids are ignored. */
    public void unplug(String id, Duration wait) throws QmpException {
        int port;
        synchronized (this) {
            port = -1;
            for (int i = 0; i < ports.length; i++) {
                if (id.equals(ports[i])) {
                    port = i;
                }
            }
            if (port < 0) {
                return;
            }
        }
        CompletableFuture<Void> gone = deleted.computeIfAbsent(deviceId(id), k -> new CompletableFuture<>());
        try {
            qmp.deviceDel(new DeviceDelArgs(deviceId(id)), timeout);
            gone.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new QmpException("the guest did not release NIC " + id + " within " + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new QmpException("unplugging NIC " + id + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException("interrupted while unplugging NIC " + id, e);
        } finally {
            deleted.remove(deviceId(id));
        }
        deleteNetdev(netdevId(id));
        synchronized (this) {
            ports[port] = null;
        }
    }

    /** Closes the descriptor monitor. */
    public void close() {
        fdMonitor.close();
    }

    private void onEvent(JsonNode event) {
        QmpEvents.deviceDeleted(event).ifPresent(e -> {
            if (e.device() != null) {
                deleted.computeIfAbsent(e.device(), k -> new CompletableFuture<>()).complete(null);
            }
        });
    }

    private void deleteNetdev(String netdev) {
        try {
            qmp.netdevDel(new NetdevDelArgs(netdev), timeout);
        } catch (QmpException e) {
            // Best effort while undoing: the device (or the VM) may already be gone.
        }
    }

    private void closeFd(String fdName) {
        try {
            fdMonitor.execute("closefd", Map.of("fdname", fdName), new int[0], timeout);
        } catch (QmpException e) {
            // Best effort while undoing.
        }
    }

    static String netdevId(String id) {
        return "netdev-" + id;
    }

    static String deviceId(String id) {
        return "nic-" + id;
    }
}
