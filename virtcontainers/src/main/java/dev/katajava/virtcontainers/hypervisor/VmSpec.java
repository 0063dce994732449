package dev.katajava.virtcontainers.hypervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a hypervisor needs to boot one sandbox VM.
 *
 * @param sandboxId     the sandbox this VM belongs to
 * @param runDir        a private directory for the VMM's sockets, pid file and logs; exists, owned by the caller
 * @param binary        the VMM executable
 * @param kernel        the guest kernel (uncompressed ELF with a PVH note)
 * @param initrd        the guest initramfs: the whole guest, or with {@code image} the loader that mounts it
 * @param machineType   e.g. {@code q35} or {@code microvm}
 * @param kernelParams  extra kernel command-line words from the configuration, appended after the built-in ones
 * @param size          vCPUs and memory at boot, and how far hot-plug may grow them
 * @param accelerator   requested accelerator
 * @param share         how the sandbox share reaches the guest (tag {@link #SHARED_FS_TAG})
 * @param agent         how the host reaches the agent (virtio-serial port {@link #AGENT_PORT_NAME} or vsock)
 * @param debug         keep the guest console verbose
 * @param nicSlots      hot-plug ports for network devices ({@link Hypervisor#addNetDevice}); 0 for none
 * @param image         the guest's read-only root image, attached as persistent memory; null to run from
 *                      the initramfs alone
 * @param reclaimFreedMemory whether the guest reports the pages it frees back to the host (balloon)
 * @param template      the template this VM becomes or is cloned from; null for a VM booted on its own
 */
public record VmSpec(
        String sandboxId,
        Path runDir,
        Path binary,
        Path kernel,
        Path initrd,
        String machineType,
        List<String> kernelParams,
        VmSize size,
        Accelerator accelerator,
        ShareDevice share,
        AgentEndpoint agent,
        boolean debug,
        int nicSlots,
        Path image,
        boolean reclaimFreedMemory,
        TemplateBoot template) {

    /**
     * The filesystem of {@code image}: what guest-image builds, and the only one its loader has a driver for
     * (Kata's {@code rootfs_type}).
     */
    public static final String IMAGE_FILESYSTEM = "erofs";
    /** The 9p/virtio-fs mount tag of the shared directory, as Kata names it. */
    public static final String SHARED_FS_TAG = "kataShared";
    /** The virtio-serial port name the guest agent opens. */
    public static final String AGENT_PORT_NAME = "agent.channel.0";
    /** The most network device ports a VM gets. */
    public static final int MAX_NIC_SLOTS = 8;

    public VmSpec {
        Objects.requireNonNull(sandboxId, "sandboxId");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(machineType, "machineType");
        kernelParams = List.copyOf(kernelParams);
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(share, "share");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(size, "size");
        if (nicSlots < 0 || nicSlots > MAX_NIC_SLOTS) {
            throw new IllegalArgumentException("NIC slots must be 0 to " + MAX_NIC_SLOTS + ", got " + nicSlots);
        }
    }

    /** A VM booted on its own (no template). */
    public VmSpec(String sandboxId, Path runDir, Path binary, Path kernel, Path initrd, String machineType,
                  List<String> kernelParams, VmSize size, Accelerator accelerator, ShareDevice share,
                  AgentEndpoint agent, boolean debug, int nicSlots, Path image, boolean reclaimFreedMemory) {
        this(sandboxId, runDir, binary, kernel, initrd, machineType, kernelParams, size, accelerator, share, agent,
                debug, nicSlots, image, reclaimFreedMemory, null);
    }

    /** A VM booted from its initramfs alone, which keeps the pages its guest frees. */
    public VmSpec(String sandboxId, Path runDir, Path binary, Path kernel, Path initrd, String machineType,
                  List<String> kernelParams, VmSize size, Accelerator accelerator, ShareDevice share,
                  AgentEndpoint agent, boolean debug, int nicSlots) {
        this(sandboxId, runDir, binary, kernel, initrd, machineType, kernelParams, size, accelerator, share, agent,
                debug, nicSlots, null, false);
    }

    /** A VM without network device ports. */
    public VmSpec(String sandboxId, Path runDir, Path binary, Path kernel, Path initrd, String machineType,
                  List<String> kernelParams, VmSize size, Accelerator accelerator, ShareDevice share,
                  AgentEndpoint agent, boolean debug) {
        this(sandboxId, runDir, binary, kernel, initrd, machineType, kernelParams, size, accelerator, share, agent,
                debug, 0);
    }
}
