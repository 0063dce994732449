package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's two boot layouts: the read-only root image on a virtio-pmem device (configuration key image,
 * the staged default) and the whole guest as an initramfs (no image). The container sees the same in both,
 * and under runc; only where the guest's own files live differs. Also the balloon that hands the pages the
 * guest frees back to the host.
 */
class GuestRootIT extends ContainerdTest {
    private static final Path SHARE = E2eEnvironment.PREFIX.resolve("share/kata-containers");
    /** What the container runs in every layout: its own files, then what the guest's sysfs says about pmem0. */
    private static final String PROBE = "head -n 1 /etc/passwd; echo hello > /tmp/out; cat /tmp/out;"
            + " echo pmem: $(ls /sys/block | grep -c pmem) erofs: $(ls /sys/fs/erofs 2>/dev/null | tr '\\n' ' ')";

    @TempDir
    Path dir;

    /** The staged configuration with the whole guest in the initramfs and no image. */
    private Path initrdConfig() throws IOException {
        String text = Files.readString(E2eEnvironment.CONFIG)
                .replaceFirst("(?m)^image = .*\\n", "")
                .replaceFirst("(?m)^initrd = .*$", "initrd = \"" + SHARE.resolve("kata-containers-initrd.img") + "\"");
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    @Test
    void theStagedDefaultBootsTheReadOnlyImageWhichQemuMapsSharedFromTheHostFile() throws Exception {
        assertThat(Files.readString(E2eEnvironment.CONFIG)).containsPattern("(?m)^image = \".*/kata-containers.img\"");
        String id = "e2e-img-" + ProcessHandle.current().pid();
        Commands.Result started = ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600");
        assertThat(started.exitCode()).as(started.describe()).isZero();
        try {
            long qemu = qemuOf(id);
            // The image file itself is in QEMU's address space, shared and read-only: its pages are the host's
            // page cache, not a copy in guest RAM.
            assertThat(Files.readAllLines(Path.of("/proc/" + qemu + "/maps")))
                    .anyMatch(l -> l.endsWith(SHARE.resolve("kata-containers.img").toString())
                            && l.split("\\s+", 3)[1].equals("r--s"));

            Commands.Result probe = ctr("task", "exec", "--exec-id", "probe", id, "sh", "-c", PROBE);
            assertThat(probe.exitCode()).as(probe.describe()).isZero();
            assertThat(probe.stdout()).isEqualTo("root:x:0:0:root:/root:/bin/sh\nhello\npmem: 1 erofs: features pmem0\n");
        } finally {
            removeTask(id);
        }
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void withoutAnImageTheGuestRunsFromItsInitramfsAndTheContainerSeesTheSame() throws Exception {
        String id = "e2e-initrd-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                initrdConfig().toString(), image, id, "sh", "-c", PROBE);
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).isEqualTo("root:x:0:0:root:/root:/bin/sh\nhello\npmem: 0 erofs:\n");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();

        String runcId = "e2e-initrd-runc-" + ProcessHandle.current().pid();
        Commands.Result runc = ctr("run", "--rm", "--runtime", "io.containerd.runc.v2", image, runcId, "sh", "-c",
                "head -n 1 /etc/passwd; echo hello > /tmp/out; cat /tmp/out");
        assertThat(runc.exitCode()).as(runc.describe()).isZero();
        assertThat(run.stdout()).startsWith(runc.stdout());
    }

    @Test
    void memoryTheGuestFreesIsHandedBackToTheHost() throws Exception {
        String id = "e2e-reclaim-" + ProcessHandle.current().pid();
        Commands.Result started = ctr("run", "-d", "--runtime", RUNTIME, image, id, "sleep", "600");
        assertThat(started.exitCode()).as(started.describe()).isZero();
        try {
            long qemu = qemuOf(id);
            assertThat(commandLine(qemu)).contains("free-page-reporting=on");
            long before = rssKib(qemu);
            // dd fills a 256 MiB buffer, then blocks writing it into a pipe nobody reads until sleep ends:
            // guest memory the host must back for those seconds, freed when both exit.
            CompletableFuture<Commands.Result> hog = CompletableFuture.supplyAsync(() -> {
                try {
                    return ctr("task", "exec", "--exec-id", "hog", id, "sh", "-c",
                            "dd if=/dev/zero bs=268435456 count=1 2>/dev/null | sleep 15; echo held");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long peak = before;
            while (!hog.isDone()) {
                peak = Math.max(peak, rssKib(qemu));
                Thread.sleep(200);
            }
            assertThat(hog.get().stdout()).as(hog.get().describe()).isEqualTo("held\n");
            assertThat(peak - before).as("KiB QEMU took while the guest held 256 MiB").isGreaterThan(200 * 1024);
            // The guest reports free pages in batches a few seconds apart; QEMU then discards them.
            long now = rssKib(qemu);
            for (int i = 0; i < 120 && peak - now < 192 * 1024; i++) {
                Thread.sleep(500);
                now = rssKib(qemu);
            }
            System.out.printf("QEMU RSS before %d MiB, with 256 MiB held in the guest %d MiB, after it was freed"
                    + " %d MiB%n", before / 1024, peak / 1024, now / 1024);
            assertThat(peak - now).as("KiB QEMU gave back (RSS %d KiB -> %d KiB)", peak, now)
                    .isGreaterThanOrEqualTo(192 * 1024);
        } finally {
            removeTask(id);
        }
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    private static long qemuOf(String sandboxId) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            List<Long> pids = all.filter(p -> {
                String cmd = p.info().commandLine().orElse("");
                return cmd.contains("qemu-system") && cmd.contains("-name sandbox-" + sandboxId);
            }).map(ProcessHandle::pid).toList();
            assertThat(pids).as("QEMU of " + sandboxId).hasSize(1);
            return pids.getFirst();
        }
    }

    private static String commandLine(long pid) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
    }

    private static long rssKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst().orElseThrow();
    }
}
