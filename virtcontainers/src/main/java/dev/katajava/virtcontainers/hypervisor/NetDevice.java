package dev.katajava.virtcontainers.hypervisor;

import java.util.Objects;

/**
 * A virtio-net NIC to plug into a running VM, backed by a tap queue.
 *
 * @param id     unique within the VM; names the device for later removal
 * @param tapFd  a descriptor of the tap queue; the hypervisor takes its own copy, the caller still closes this one
 * @param mac    the guest NIC's hardware address ({@code aa:bb:cc:dd:ee:ff})
 * @param mtu    the MTU the device advertises to the guest; 0 for the driver's default
 * @param vhost  let the kernel's vhost-net move the packets (only where /dev/vhost-net opens)
 */
public record NetDevice(String id, int tapFd, String mac, int mtu, boolean vhost) {
    public NetDevice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(mac, "mac");
        if (!id.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("NIC id must be 1 to 32 of [A-Za-z0-9_-]: \"" + id + "\"");
        }
    }
}
