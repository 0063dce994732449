package dev.katajava.agent.container;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Mounts;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.User;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the container library needs to run on the host as root: a busybox root filesystem, a private
 * cgroup2 mount (the host may run cgroup v1) and the launcher built by this module.
 */
public final class HostFixture implements AutoCloseable {
    public static final Path NSEXEC = Path.of(System.getProperty("nsexec.path", "target/native/nsexec"));
    private static final List<String> APPLETS = List.of("sh", "echo", "cat", "ls", "sleep", "touch", "hostname",
            "pwd", "id", "mount", "grep", "wc", "head", "stty", "tty");

    private final Path dir;
    private final Path rootfs;
    private final Path cgroupRoot;

    private HostFixture(Path dir) throws Exception {
        this.dir = dir;
        this.rootfs = dir.resolve("rootfs");
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        // The launcher fills /dev with the standard nodes (a shell's background job reads /dev/null).
        Files.createDirectories(rootfs.resolve("dev"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        cgroupRoot = Files.createDirectories(dir.resolve("cgroup2"));
        Mounts.mount("none", cgroupRoot.toString(), "cgroup2", 0, null);
    }

    /** Sets everything up under {@code dir} (a fresh temporary directory). */
    public static HostFixture in(Path dir) throws Exception {
        return new HostFixture(dir);
    }

    public Path rootfs() {
        return rootfs;
    }

    public Path cgroupRoot() {
        return cgroupRoot;
    }

    public ContainerRuntime runtime(boolean noPivot) {
        return new ContainerRuntime(Launcher.withoutSpare(NSEXEC), dir.resolve("state"), noPivot, cgroupRoot);
    }

    /** A runtime (pivot_root first) whose launches go through {@code launcher}. */
    public ContainerRuntime runtime(Launcher launcher) {
        return new ContainerRuntime(launcher, dir.resolve("state"), false, cgroupRoot);
    }

    /** ctr's shape of spec: its namespaces (network included, which the guest leaves to the VM), /proc mounted. */
    public Spec spec(List<String> args, Mount... mounts) {
        return Spec.newBuilder()
                .setRoot(Root.newBuilder().setPath(rootfs.toString()))
                .setHostname("c1")
                .setProcess(Process.newBuilder().addAllArgs(args).addEnv("PATH=/bin").setCwd("/")
                        .setUser(User.newBuilder().setUID(0).setGID(0)))
                .addMounts(Mount.newBuilder().setDestination("/proc").setType("proc").setSource("proc"))
                .addAllMounts(List.of(mounts))
                .setLinux(Linux.newBuilder()
                        .addNamespaces(LinuxNamespace.newBuilder().setType("pid"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("mount"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("uts"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("ipc"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("network")))
                .build();
    }

    @Override
    public void close() throws ErrnoException {
        Mounts.umount(cgroupRoot.toString(), Mounts.MNT_DETACH);
    }
}
