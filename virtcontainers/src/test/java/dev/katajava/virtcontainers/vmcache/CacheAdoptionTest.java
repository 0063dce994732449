package dev.katajava.virtcontainers.vmcache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmHandover;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import dev.katajava.virtcontainers.template.TemplateFingerprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheAdoptionTest {
    @TempDir
    Path dir;

    private RuntimeConfig config() throws Exception {
        for (String f : new String[] {"qemu", "vmlinux", "initrd"}) {
            Files.writeString(dir.resolve(f), f);
        }
        Path file = dir.resolve("configuration.toml");
        Files.writeString(file, """
                [hypervisor.qemu]
                path = "%s"
                kernel = "%s"
                initrd = "%s"
                machine_type = "q35"
                default_memory = 256
                accelerator = "tcg"
                [agent.kata]
                dial_timeout = 2
                [factory]
                vm_cache_number = 1
                vm_cache_endpoint = "%s"
                """.formatted(dir.resolve("qemu"), dir.resolve("vmlinux"), dir.resolve("initrd"),
                dir.resolve("cache.sock")));
        return ConfigLoader.load(file);
    }

    /** A hypervisor whose VMs cannot be resumed. */
    static final class Unresumable implements HypervisorProvider, VmHandover {
        @Override
        public String name() {
            return "qemu";
        }

        @Override
        public Hypervisor create(VmSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Hypervisor createDetached(VmSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pauseAndRelease(Hypervisor vm) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Hypervisor adopt(VmSpec spec, long pid, Accelerator accelerator) throws HypervisorException {
            throw new HypervisorException("cont failed");
        }
    }

    @Test
    void aVmThatCannotBeResumedIsKilledItsFilesRemovedAndTheSandboxBootsCold() throws Exception {
        RuntimeConfig config = config();
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        String name = "vmcache-00000000000000aa";
        Path vmRun = Files.createDirectories(paths.runDir(name));
        Files.writeString(vmRun.resolve("qemu.pid"), "1\n");
        Path vmShare = paths.share(name).sandboxDir();
        Files.createDirectories(vmShare.resolve("shared"));
        // Stands in for QEMU: its command line names its run directory, as QEMU's does.
        Process qemu = new ProcessBuilder("sh", "-c", "sleep 60", vmRun.toString()).start();
        VmSource source = new VmSource() {
            private boolean given;

            @Override
            public synchronized CachedVm boot() throws VmCacheException {
                if (given) {
                    throw new VmCacheException("this source has one VM");
                }
                given = true;
                return new CachedVm(name, qemu.pid(), vmRun, vmShare, vmRun.resolve("qmp.sock"),
                        vmRun.resolve("agent.sock"), new VmSize(1, 1, 256, 256, 0), Accelerator.TCG,
                        TemplateFingerprint.of(config).render());
            }

            @Override
            public void discard(CachedVm vm) {
            }

            @Override
            public String fingerprint() {
                return TemplateFingerprint.of(config).render();
            }
        };
        Path sandboxRun = Files.createDirectories(paths.runDir("sb1"));
        Files.writeString(sandboxRun.resolve("network.json"), "{}");
        try (VmCacheServer server = new VmCacheServer(config.factory().vmCacheEndpoint(), 1, source)) {
            server.start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (!VmCacheClient.status(config.factory().vmCacheEndpoint()).get("ready").equals("1")) {
                assertThat(System.nanoTime()).isLessThan(end);
                Thread.sleep(10);
            }
            var clone = CacheAdoption.attempt("sb1", sandboxRun, config, ShareDevice.virtio9p(paths.share("sb1")
                    .shared()), 0, null, new Unresumable(), paths, Clock.systemUTC());
            assertThat(clone).isNull();
        }
        assertThat(qemu.waitFor(10, TimeUnit.SECONDS)).as("the VM's process is killed").isTrue();
        assertThat(vmRun).doesNotExist();
        assertThat(vmShare).doesNotExist();
        assertThat(paths.share("sb1").sandboxDir()).doesNotExist();
        assertThat(sandboxRun.resolve("qemu.pid")).doesNotExist();
        assertThat(sandboxRun.resolve("network.json")).as("the sandbox's own files stay").exists();
    }

    @Test
    void withNoServerTheSandboxBootsColdAndNothingIsMade() throws Exception {
        RuntimeConfig config = config();
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        Path sandboxRun = Files.createDirectories(paths.runDir("sb2"));
        var clone = CacheAdoption.attempt("sb2", sandboxRun, config, ShareDevice.virtio9p(paths.share("sb2")
                .shared()), 0, null, new Unresumable(), paths, Clock.systemUTC());
        assertThat(clone).isNull();
        assertThat(paths.share("sb2").sandboxDir()).doesNotExist();
    }

    @Test
    void aSandboxThatNeedsVsockBootsColdWithoutAskingTheCache() throws Exception {
        RuntimeConfig config = config();
        SandboxPaths paths = new SandboxPaths(dir.resolve("vm"), dir.resolve("shared"), dir.resolve("sbs"));
        FakeVmSource source = new FakeVmSource(dir);
        try (VmCacheServer server = new VmCacheServer(config.factory().vmCacheEndpoint(), 1, source)) {
            server.start();
            var clone = CacheAdoption.attempt("sb3", Files.createDirectories(paths.runDir("sb3")), config,
                    ShareDevice.virtio9p(paths.share("sb3").shared()), 0, "forwarding the host sockets /x",
                    new Unresumable(), paths, Clock.systemUTC());
            assertThat(clone).isNull();
            assertThat(VmCacheClient.status(config.factory().vmCacheEndpoint()).get("handed_out")).isEqualTo("0");
        }
    }
}
