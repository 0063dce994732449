package dev.katajava.virtcontainers.template;

import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.sizing.HostCapacity;
import dev.katajava.virtcontainers.sizing.SandboxSizing;
import dev.katajava.virtcontainers.sizing.Workload;
import java.nio.file.Path;

/**
 * The one VM shape the template and every clone of it share: the configuration's default size, a
 * virtio-serial agent channel, 9p, a fixed number of NIC ports, no balloon. A clone's QEMU must present the
 * devices the saved state describes, in the same order, so both are built here and nowhere else.
 */
public final class TemplateShape {
    /** PCIe ports for pod NICs: hot-plug needs them present at boot, so the template has them. */
    public static final int NIC_SLOTS = 4;
    /** The virtio-serial port's socket in a VM's run directory. */
    static final String AGENT_SOCKET = "agent.sock";

    private TemplateShape() {
    }

    /** The template's size: the configuration's defaults with no workload; clones grow from there. */
    public static VmSize size(HypervisorConfig hv) {
        return new SandboxSizing(hv, HostCapacity.of()).forWorkload(Workload.NONE);
    }

    /** Why {@code config} cannot be templated at all, or null when it can. */
    public static String unsupported(RuntimeConfig config) {
        HypervisorConfig hv = config.hypervisor();
        if (hv.sharedFs().equals("virtio-fs")) {
            return "shared_fs virtio-fs needs guest RAM its daemon can map (shared), and a clone's RAM is a private"
                    + " copy of the template's; use virtio-9p";
        }
        if (!hv.machineType().equals("q35")) {
            return "machine_type " + hv.machineType() + " has no PCI hot-plug, which clones need for NICs, vCPUs and"
                    + " memory; use q35";
        }
        return null;
    }

    /** The spec of the template VM or of a clone, in {@code runDir}, sharing {@code share} (9p). */
    public static VmSpec spec(String sandboxId, Path runDir, RuntimeConfig config, ShareDevice share,
                              TemplateBoot boot, Accelerator accelerator) {
        HypervisorConfig hv = config.hypervisor();
        if (share.kind() != ShareDevice.Kind.VIRTIO_9P) {
            throw new IllegalArgumentException("a templated VM shares its files over 9p, not " + share.kind());
        }
        return new VmSpec(sandboxId, runDir, hv.path(), hv.kernel(), hv.initrd(), hv.machineType(), hv.kernelParams(),
                size(hv), accelerator, share, AgentEndpoint.virtioSerial(runDir.resolve(AGENT_SOCKET)), config.debug(),
                NIC_SLOTS, hv.image(), false, boot);
    }
}
