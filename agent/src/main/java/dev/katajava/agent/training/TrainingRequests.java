package dev.katajava.agent.training;

import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.GuestDetailsRequest;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxCapabilities;
import dev.katajava.protocols.agent.LinuxDeviceCgroup;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.LinuxResources;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.SignalProcessRequest;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.Storage;
import dev.katajava.protocols.agent.User;
import dev.katajava.protocols.agent.WaitProcessRequest;
import com.google.protobuf.MessageLite;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import java.util.List;

/**
 * The requests of a training run, shaped as the shim sends them for {@code ctr run busybox echo hi} (see
 * the shim's Sandbox, ContainerLifecycle and AgentSpecConverter), but arranged to fail harmlessly: the
 * shared-filesystem storage has no 9p device behind it and the container's rootfs does not exist, so the
 * agent parses and validates everything and then refuses.
 */
public final class TrainingRequests {
    /** Where the shim puts containers' rootfs in the guest; nothing is there during training. */
    static final String SHARED_DIR = "/run/kata-containers/shared/containers/";
    private static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    private static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/sys/devices/virtual/powercap", "/proc/scsi");
    private static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    private static final String AGENT = "grpc.AgentService";
    private static final String HEALTH = "grpc.Health";

    /** One request of the script; only the ones marked {@code mustSucceed} prove the agent answers at all. */
    public record Call(String service, String method, MessageLite request, boolean mustSucceed) {
    }

    private TrainingRequests() {
    }

    /**
     * A container start and its failure clean-up as the shim drives them: health check, guest details,
     * sandbox, container, then the I/O and wait calls the shim makes for a task it believes exists. The
     * sandbox stays: {@link #destroySandbox} ends the round.
     */
    public static List<Call> script(String sandboxId, String containerId) {
        return List.of(
                new Call(HEALTH, "Check", check(), true),
                new Call(HEALTH, "Version", check(), true),
                new Call(AGENT, "GetGuestDetails", guestDetails(), true),
                new Call(AGENT, "CreateSandbox", createSandbox(sandboxId), false),
                new Call(AGENT, "CreateSandbox", createSandboxWithoutStorages(sandboxId), false),
                new Call(AGENT, "CreateContainer", createContainer(containerId), false),
                new Call(AGENT, "StartContainer", startContainer(containerId), false),
                new Call(AGENT, "ReadStdout", readStream(containerId), false),
                new Call(AGENT, "ReadStderr", readStream(containerId), false),
                new Call(AGENT, "WaitProcess", waitProcess(containerId), false),
                new Call(AGENT, "SignalProcess", signal(containerId), false),
                new Call(AGENT, "RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(containerId)
                        .build(), false));
    }

    /** The end of a round: the sandbox goes, with whatever the round left in it. */
    public static Call destroySandbox() {
        return new Call(AGENT, "DestroySandbox", DestroySandboxRequest.getDefaultInstance(), true);
    }

    static CheckRequest check() {
        return CheckRequest.getDefaultInstance();
    }

    static GuestDetailsRequest guestDetails() {
        return GuestDetailsRequest.newBuilder().setMemBlockSize(true).setMemHotplugProbe(true).build();
    }

    /** The shim's CreateSandbox, with its 9p shared-filesystem storage. */
    static CreateSandboxRequest createSandbox(String sandboxId) {
        return CreateSandboxRequest.newBuilder()
                .setHostname(sandboxId)
                .addStorages(Storage.newBuilder()
                        .setDriver("9p")
                        .setSource("kataShared")
                        .setFstype("9p")
                        .addAllOptions(List.of("trans=virtio", "version=9p2000.L", "cache=mmap", "nodev",
                                "msize=512000"))
                        .setMountPoint(SHARED_DIR))
                .setSandboxId(sandboxId)
                .build();
    }

    /** The same sandbox without storages, which the agent creates (only setting the hostname). */
    static CreateSandboxRequest createSandboxWithoutStorages(String sandboxId) {
        return createSandbox(sandboxId).toBuilder().clearStorages().build();
    }

    static CreateContainerRequest createContainer(String containerId) {
        return CreateContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setExecId(containerId)
                .setOCI(spec(containerId))
                .build();
    }

    /** containerd's default spec for a busybox container after the shim's conversion. */
    static Spec spec(String containerId) {
        return Spec.newBuilder()
                .setVersion("1.2.1")
                .setProcess(Process.newBuilder()
                        .addAllArgs(List.of("echo", "hi"))
                        .addEnv("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                        .setCwd("/")
                        // ctr adds the groups the image's /etc/group gives root (busybox: wheel).
                        .setUser(User.newBuilder().setUID(0).setGID(0).addAdditionalGids(10))
                        .setCapabilities(LinuxCapabilities.newBuilder()
                                .addAllBounding(CAPABILITIES)
                                .addAllEffective(CAPABILITIES)
                                .addAllPermitted(CAPABILITIES))
                        .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_NOFILE").setHard(1024).setSoft(1024))
                        .setNoNewPrivileges(true))
                .setRoot(Root.newBuilder().setPath(SHARED_DIR + containerId + "/rootfs"))
                .addMounts(mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"))
                .addMounts(mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"))
                .addMounts(mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                        "mode=0620", "gid=5"))
                .addMounts(mount("/dev/shm", "shm", "tmpfs", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"))
                .addMounts(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"))
                .addMounts(mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"))
                .addMounts(mount("/run", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"))
                .setLinux(Linux.newBuilder()
                        .setCgroupsPath("/default/" + containerId)
                        // containerd's default: no device, then the runtime's own list (the agent adds it).
                        .setResources(LinuxResources.newBuilder()
                                .addDevices(LinuxDeviceCgroup.newBuilder().setAllow(false).setAccess("rwm")))
                        .addNamespaces(namespace("pid"))
                        .addNamespaces(namespace("ipc"))
                        .addNamespaces(namespace("uts"))
                        .addNamespaces(namespace("mount"))
                        .addAllMaskedPaths(MASKED)
                        .addAllReadonlyPaths(READONLY))
                .build();
    }

    static StartContainerRequest startContainer(String containerId) {
        return StartContainerRequest.newBuilder().setContainerId(containerId).build();
    }

    static WaitProcessRequest waitProcess(String containerId) {
        return WaitProcessRequest.newBuilder().setContainerId(containerId).build();
    }

    static ReadStreamRequest readStream(String containerId) {
        return ReadStreamRequest.newBuilder().setContainerId(containerId).setLen(32 * 1024).build();
    }

    static SignalProcessRequest signal(String containerId) {
        return SignalProcessRequest.newBuilder().setContainerId(containerId).setSignal(15).build();
    }

    private static Mount mount(String destination, String source, String type, String... options) {
        return Mount.newBuilder().setDestination(destination).setSource(source).setType(type)
                .addAllOptions(List.of(options)).build();
    }

    private static LinuxNamespace namespace(String type) {
        return LinuxNamespace.newBuilder().setType(type).build();
    }
}
