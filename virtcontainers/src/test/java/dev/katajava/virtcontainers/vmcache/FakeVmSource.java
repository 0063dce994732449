package dev.katajava.virtcontainers.vmcache;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Stand-in VMs: described, never booted; records what was booted and discarded. */
final class FakeVmSource implements VmSource {
    static final String FINGERPRINT = "shape=1\nqemu=/usr/bin/qemu size=1 mtime=1\nsize=1 vCPU\n";

    final Path dir;
    final List<CachedVm> booted = new CopyOnWriteArrayList<>();
    final List<CachedVm> discarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger(1000);
    volatile boolean failing;

    FakeVmSource(Path dir) {
        this.dir = dir;
    }

    @Override
    public CachedVm boot() throws VmCacheException {
        if (failing) {
            throw new VmCacheException("fake boot failure");
        }
        int n = next.getAndIncrement();
        String name = "vmcache-%016x".formatted(n);
        Path runDir = dir.resolve("vm").resolve(name);
        CachedVm vm = new CachedVm(name, n, runDir, dir.resolve("shared/sandboxes").resolve(name),
                runDir.resolve("qmp.sock"), runDir.resolve("agent.sock"), new VmSize(1, 2, 256, 1024, 10),
                Accelerator.TCG, FINGERPRINT);
        booted.add(vm);
        return vm;
    }

    @Override
    public void discard(CachedVm vm) {
        discarded.add(vm);
    }

    @Override
    public String fingerprint() {
        return FINGERPRINT;
    }
}
