package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.logging.Log;

/**
 * Spec settings the guest cannot honour and, as Kata does, ignores: the guest kernel has no AppArmor or
 * SELinux policy to confine a container with. Each one is logged with the reason, so nobody believes it
 * applied.
 */
final class GuestIgnored {
    private static final Log LOG = Log.of("shim");

    private GuestIgnored() {
    }

    static void log(String containerId, JsonNode spec) {
        String apparmor = spec.path("process").path("apparmorProfile").asText("");
        if (!apparmor.isEmpty()) {
            LOG.warn("process.apparmorProfile ignored: the guest kernel has no AppArmor; the VM is the boundary",
                    "container", containerId, "profile", apparmor);
        }
        String selinux = spec.path("process").path("selinuxLabel").asText("");
        String mountLabel = spec.path("linux").path("mountLabel").asText("");
        if (!selinux.isEmpty() || !mountLabel.isEmpty()) {
            LOG.warn("SELinux labels ignored: the guest kernel has no SELinux policy; the VM is the boundary",
                    "container", containerId, "process_label", selinux, "mount_label", mountLabel);
        }
    }
}
