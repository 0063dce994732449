package dev.katajava.cli;

import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.VmHandover;
import dev.katajava.virtcontainers.vmcache.BootedVmSource;
import dev.katajava.virtcontainers.vmcache.VmCacheClient;
import dev.katajava.virtcontainers.vmcache.VmCacheException;
import dev.katajava.virtcontainers.vmcache.VmCacheServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ServiceLoader;

/**
 * {@code kata-runtime factory init | status | destroy} with {@code vm_cache_number > 0}: init serves the VM
 * cache in the foreground until it is stopped (a signal, or destroy), as Kata's does.
 */
final class VmCacheCommand {
    private VmCacheCommand() {
    }

    static int init(RuntimeConfig config, PrintStream out, PrintStream err) {
        String unsupported = BootedVmSource.unsupported(config);
        if (unsupported != null) {
            err.println("factory init: cannot cache VMs for this configuration: " + unsupported);
            return 1;
        }
        VmHandover handover = handover(config.hypervisor().name());
        if (handover == null) {
            err.println("factory init: hypervisor " + config.hypervisor().name() + " cannot hand VMs to other"
                    + " processes");
            return 1;
        }
        if (!VmCacheClient.answers(config.factory().vmCacheEndpoint())) {
            int reaped = BootedVmSource.reapOrphans(SandboxPaths.DEFAULT);
            if (reaped > 0) {
                out.println("removed " + reaped + " VMs a killed VM cache server left behind");
            }
        }
        VmCacheServer server = new VmCacheServer(config.factory().vmCacheEndpoint(),
                config.factory().vmCacheNumber(), new BootedVmSource(config, handover, SandboxPaths.DEFAULT));
        try {
            server.start();
        } catch (VmCacheException e) {
            err.println("factory init: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(server::close, "vmcache-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("VM cache serving " + config.factory().vmCacheNumber() + " VMs on "
                + config.factory().vmCacheEndpoint());
        out.flush();
        try {
            server.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        out.println("VM cache stopped");
        return 0;
    }

    static int status(RuntimeConfig config, PrintStream out) {
        Path endpoint = config.factory().vmCacheEndpoint();
        out.println("vm_cache_number = " + config.factory().vmCacheNumber());
        out.println("vm_cache_endpoint = " + endpoint);
        try {
            var s = VmCacheClient.status(endpoint);
            out.println("vm cache: running, " + s.get("ready") + " ready of " + s.get("target") + ", booting "
                    + s.get("booting") + ", handed out " + s.get("handed_out"));
        } catch (VmCacheException e) {
            out.println("vm cache: not running (" + e.getMessage() + ")");
        }
        return 0;
    }

    static int destroy(RuntimeConfig config, PrintStream out, PrintStream err) {
        Path endpoint = config.factory().vmCacheEndpoint();
        try {
            VmCacheClient.stop(endpoint);
            out.println("VM cache at " + endpoint + " told to stop (it kills the VMs still cached)");
            return 0;
        } catch (VmCacheException e) {
            removeDeadSocket(endpoint);
            int reaped = BootedVmSource.reapOrphans(SandboxPaths.DEFAULT);
            out.println("no VM cache running: " + e.getMessage()
                    + (reaped > 0 ? "; removed " + reaped + " VMs a killed server left cached" : ""));
            return 0;
        }
    }

    /** A killed server leaves its socket: removed when it is a socket and nobody answers on it. */
    private static void removeDeadSocket(Path endpoint) {
        try {
            if (Files.readAttributes(endpoint, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()
                    && !VmCacheClient.answers(endpoint)) {
                Files.delete(endpoint);
            }
        } catch (IOException ignored) {
            // Nothing there, or not ours to remove.
        }
    }

    private static VmHandover handover(String name) {
        for (HypervisorProvider p : ServiceLoader.load(HypervisorProvider.class)) {
            if (p.name().equals(name) && p instanceof VmHandover h) {
                return h;
            }
        }
        return null;
    }
}
