package dev.katajava.qemu.bench;

import dev.katajava.qemu.QemuCommandLine;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The physical limit a sandbox start is compared with: QEMU, with exactly the sandbox's command line,
 * booting our kernel to a trivial /init that prints a marker and powers off. Measures QEMU launch to the
 * marker on the serial console.
 *
 * <p>Usage: {@code BareBoot QEMU KERNEL TINY_INITRD MACHINE VCPUS MEMORY_MIB RUNS}
 */
public final class BareBoot {
    public static final String MARKER = "bare-boot-init-reached";

    private BareBoot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: BareBoot QEMU KERNEL TINY_INITRD MACHINE VCPUS MEMORY_MIB RUNS");
            System.exit(2);
        }
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(args[6]); i++) {
            times.add(bootMillis(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), args[3],
                    Integer.parseInt(args[4]), Integer.parseInt(args[5])));
        }
        Collections.sort(times);
        System.out.println("bare_boot_ms_median=" + times.get(times.size() / 2) + " runs=" + times);
    }

    /** One boot; returns milliseconds from launch to the marker. */
    public static long bootMillis(Path qemu, Path kernel, Path initrd, String machine, int vcpus, int memoryMiB)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("bare-boot");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        VmSpec spec = new VmSpec("bare-boot", dir, qemu, kernel, initrd, machine, List.of(), vcpus, memoryMiB,
                Accelerator.TCG, shared, dir.resolve("agent.sock"), false);
        List<String> cmd = new ArrayList<>(QemuCommandLine.build(spec, QemuCommandLine.Accel.TCG, 0));
        cmd.remove("-S"); // nothing will send "cont": let the guest run at once
        Path console = QemuCommandLine.consoleLog(spec);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        try {
            long deadline = start + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                if (Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains(MARKER)) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
                if (!p.isAlive()) {
                    throw new IOException("QEMU exited before the marker: " + Files.readString(dir.resolve("qemu.log")));
                }
                Thread.sleep(2);
            }
            throw new IOException("no marker within 120 s");
        } finally {
            p.destroyForcibly().waitFor();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
