package dev.katajava.qemu.bench;

import dev.katajava.qemu.QemuHypervisor;
import dev.katajava.qemu.accel.KvmVerdict;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.qapi.types.QueryStatusResult;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The physical limit a sandbox start is compared with: a VM started exactly as a sandbox's is (same
 * {@link QemuHypervisor}, command line, QMP start-up), booting the guest kernel to a trivial /init that
 * prints {@link #MARKER} and powers off. Measures from {@link QemuHypervisor#start} being called to the
 * marker on the serial console.
 *
 * <p>Usage: {@code BareBoot QEMU KERNEL INITRD MACHINE VCPUS MEMORY_MIB RUNS [auto|kvm|tcg]}; INITRD "-"
 * builds a tiny one from /bin/busybox. Prints {@code bare_boot_ms_median=N runs=[...]}.
 */
public final class BareBoot {
    public static final String MARKER = "bare-boot-init-reached";
    private static final Duration MARKER_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One boot.
     *
     * @param toMarker     from start() being called to the marker on the console
     * @param startReturned from start() being called to it returning (QEMU up, QMP connected, guest let run)
     * @param statusAfterStart what QMP query-status said right after start() ("running")
     * @param accel        the accelerator the VM ran with
     * @param exitCode     QEMU's exit code after the guest powered off
     * @param console      the console's tail
     */
    public record Boot(Duration toMarker, Duration startReturned, String statusAfterStart, Accel accel,
                       int exitCode, String console) {
    }

    /**
     * What to boot.
     *
     * @param kvmVerdictFile where an AUTO start remembers a failed KVM probe
     */
    public record Setup(Path qemu, Path kernel, Path initrd, String machine, int vcpus, int memoryMiB,
                        Accelerator accelerator, Path kvmVerdictFile) {
    }

    private BareBoot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7 || args.length > 8) {
            System.err.println("usage: BareBoot QEMU KERNEL INITRD|- MACHINE VCPUS MEMORY_MIB RUNS [auto|kvm|tcg]");
            System.exit(2);
        }
        Accelerator accel = args.length == 8 ? Accelerator.valueOf(args[7].toUpperCase(Locale.ROOT)) : Accelerator.TCG;
        Path tmpInitrd = null;
        Path initrd;
        if (args[2].equals("-")) {
            tmpInitrd = Files.createTempFile("bare-boot", ".cpio");
            TinyInitramfs.write(tmpInitrd, TinyInitramfs.DEFAULT_BUSYBOX, MARKER);
            initrd = tmpInitrd;
        } else {
            initrd = Path.of(args[2]);
        }
        try {
            Path qemu = Path.of(args[0]);
            Path kernel = Path.of(args[1]);
            Setup setup = new Setup(qemu, kernel, initrd, args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    accel, KvmVerdict.fileFor(KvmVerdict.DEFAULT_DIR, qemu, kernel));
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(args[6]); i++) {
                times.add(boot(setup).toMarker().toMillis());
            }
            List<Long> sorted = times.stream().sorted().toList();
            System.out.println("bare_boot_ms_median=" + sorted.get(sorted.size() / 2) + " runs=" + times);
        } finally {
            if (tmpInitrd != null) {
                Files.deleteIfExists(tmpInitrd);
            }
        }
    }

    /**
     * Boots once in a private temporary run directory, which is removed afterwards. Fails when the marker
     * does not appear, or QEMU does not exit by itself after the guest powered off.
     */
    public static Boot boot(Setup setup) throws IOException, HypervisorException, InterruptedException {
        Path dir = Files.createTempDirectory("bare-boot");
        try {
            Path shared = Files.createDirectories(dir.resolve("shared"));
            VmSpec spec = new VmSpec("bare-boot-" + ProcessHandle.current().pid() + "-" + System.nanoTime(), dir,
                    setup.qemu(), setup.kernel(), setup.initrd(), setup.machine(), List.of(),
                    VmSize.fixed(setup.vcpus(), setup.memoryMiB()), setup.accelerator(), ShareDevice.virtio9p(shared),
                    AgentEndpoint.virtioSerial(dir.resolve("agent.sock")), false);
            // The tiny init is not kata-init: its marker is what shows the guest runs.
            QemuHypervisor vm = new QemuHypervisor(spec, setup.kvmVerdictFile(), console -> console.contains(MARKER));
            try {
                return measure(vm);
            } finally {
                vm.stop(Duration.ofSeconds(1));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Boot measure(QemuHypervisor vm) throws HypervisorException, InterruptedException, IOException {
        long start = System.nanoTime();
        vm.start(LaunchBackends.NONE);
        Duration startReturned = Duration.ofNanos(System.nanoTime() - start);
        QueryStatusResult status = vm.qmp().queryStatus(vm.qmpTimeout());
        long deadline = start + MARKER_TIMEOUT.toNanos();
        while (!vm.consoleTail(64 * 1024).contains(MARKER)) {
            if (vm.exited().isDone() || System.nanoTime() - deadline >= 0) {
                throw new IOException((vm.exited().isDone() ? "QEMU exited" : "no marker within " + MARKER_TIMEOUT)
                        + " before the guest printed " + MARKER + "; console: " + vm.consoleTail(2048));
            }
            Thread.sleep(2);
        }
        Duration toMarker = Duration.ofNanos(System.nanoTime() - start);
        int exitCode;
        try {
            exitCode = vm.exited().get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("QEMU did not exit within " + EXIT_TIMEOUT + " after the guest powered off; console: "
                    + vm.consoleTail(2048), e);
        }
        return new Boot(toMarker, startReturned, status.status().toString().toLowerCase(Locale.ROOT), vm.accel(), exitCode,
                vm.consoleTail(4096));
    }
}
